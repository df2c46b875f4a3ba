import CBLAS

/// Thin, typed access to OpenBLAS's single-precision GEMM.
///
/// Every call runs on the calling thread (OpenBLAS is pinned to one thread on first use);
/// parallelism is BitBudget's job, see `Parallel`.
public enum BLAS {
    private static let pinned: Void = { openblas_set_num_threads(1) }()

    /// C[M×N] = alpha · op(A) · op(B) + beta · C, all row-major with explicit leading dimensions.
    @inline(__always)
    public static func sgemm(transA: Bool = false, transB: Bool = false,
                             m: Int, n: Int, k: Int, alpha: Float = 1,
                             a: UnsafePointer<Float>, lda: Int,
                             b: UnsafePointer<Float>, ldb: Int,
                             beta: Float = 0,
                             c: UnsafeMutablePointer<Float>, ldc: Int) {
        _ = pinned
        cblas_sgemm(CblasRowMajor, transA ? CblasTrans : CblasNoTrans, transB ? CblasTrans : CblasNoTrans,
                    Int32(m), Int32(n), Int32(k), alpha, a, Int32(lda), b, Int32(ldb), beta, c, Int32(ldc))
    }
}
