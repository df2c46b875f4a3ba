import CKernels

/// The integer GEMMs: C[M x N] = W[M x K] . X[K x N], W = packed weights (rows = output
/// channels), X = uint8 im2col activations (N contiguous), C int32 row-major (row m =
/// output channel m). Kernels are single-threaded and reentrant; dispatch follows
/// `CPUFeatures.active`, and every `reference*` function runs the scalar definition.
public enum IntegerGEMM {
    /// c[m][j] = sum_k (x[k][j] - xZeroPoint) * (w_s[m][k] - zs[m]) (any format).
    public static func run(_ w: PackedWeights, x: UnsafePointer<UInt8>, n: Int, ldx: Int,
                           xZeroPoint: Int32, c: UnsafeMutablePointer<Int32>, ldc: Int) {
        w.withCView { bb_gemm_u8($0, x, n, ldx, xZeroPoint, c, ldc) }
    }

    public static func run(_ w: PackedWeights, x: [UInt8], n: Int, xZeroPoint: Int32) -> [Int32] {
        gemm(w, x, n, xZeroPoint, bb_gemm_u8)
    }

    public static func reference(_ w: PackedWeights, x: [UInt8], n: Int, xZeroPoint: Int32) -> [Int32] {
        gemm(w, x, n, xZeroPoint, bb_gemm_u8_ref)
    }

    /// Multiply-free ternary GEMM (`w.format == .ternary`); same result as `run`.
    public static func runTernary(_ w: PackedWeights, x: UnsafePointer<UInt8>, n: Int, ldx: Int,
                                  xZeroPoint: Int32, c: UnsafeMutablePointer<Int32>, ldc: Int) {
        precondition(w.format == .ternary, "IntegerGEMM.runTernary needs ternary weights, got \(w.format)")
        w.withCView { bb_gemm_ternary_u8($0, x, n, ldx, xZeroPoint, c, ldc) }
    }

    public static func runTernary(_ w: PackedWeights, x: [UInt8], n: Int, xZeroPoint: Int32) -> [Int32] {
        precondition(w.format == .ternary, "IntegerGEMM.runTernary needs ternary weights, got \(w.format)")
        return gemm(w, x, n, xZeroPoint, bb_gemm_ternary_u8)
    }

    public static func ternaryReference(_ w: PackedWeights, x: [UInt8], n: Int, xZeroPoint: Int32) -> [Int32] {
        precondition(w.format == .ternary, "IntegerGEMM.ternaryReference needs ternary weights, got \(w.format)")
        return gemm(w, x, n, xZeroPoint, bb_gemm_ternary_u8_ref)
    }

    /// XNOR-popcount GEMM: c[m][j] = K - 2 popcount(W_m xor X_j) = sum_k w*a over ±1.
    public static func runXNOR(_ w: PackedWeights, x: BinaryActivations) -> [Int32] {
        xnor(w, x, bb_gemm_xnor)
    }

    public static func runXNOR(_ w: PackedWeights, xbits: UnsafePointer<UInt64>, n: Int,
                               c: UnsafeMutablePointer<Int32>, ldc: Int) {
        precondition(w.format == .binary, "IntegerGEMM.runXNOR needs binary weights, got \(w.format)")
        w.withCView { bb_gemm_xnor($0, xbits, n, c, ldc) }
    }

    public static func xnorReference(_ w: PackedWeights, x: BinaryActivations) -> [Int32] {
        xnor(w, x, bb_gemm_xnor_ref)
    }

    private typealias GemmFn = (UnsafePointer<bb_weights>?, UnsafePointer<UInt8>?, Int, Int, Int32,
                                UnsafeMutablePointer<Int32>?, Int) -> Void

    private static func gemm(_ w: PackedWeights, _ x: [UInt8], _ n: Int, _ zx: Int32, _ fn: GemmFn) -> [Int32] {
        precondition(x.count == w.k * n, "IntegerGEMM: X has \(x.count) codes, expected \(w.k)x\(n)")
        var c = [Int32](repeating: 0, count: w.rows * n)
        guard w.rows > 0, n > 0 else { return c }
        x.withUnsafeBufferPointer { xp in
            c.withUnsafeMutableBufferPointer { cp in
                w.withCView { fn($0, xp.baseAddress, n, n, zx, cp.baseAddress, n) }
            }
        }
        return c
    }

    private static func xnor(_ w: PackedWeights, _ x: BinaryActivations,
                             _ fn: (UnsafePointer<bb_weights>?, UnsafePointer<UInt64>?, Int,
                                    UnsafeMutablePointer<Int32>?, Int) -> Void) -> [Int32] {
        precondition(w.format == .binary, "IntegerGEMM XNOR needs binary weights, got \(w.format)")
        precondition(x.k == w.k, "IntegerGEMM XNOR: activations K=\(x.k), weights K=\(w.k)")
        var c = [Int32](repeating: 0, count: w.rows * x.n)
        guard w.rows > 0, x.n > 0 else { return c }
        x.words.withUnsafeBufferPointer { xp in
            c.withUnsafeMutableBufferPointer { cp in
                w.withCView { fn($0, xp.baseAddress, x.n, cp.baseAddress, x.n) }
            }
        }
        return c
    }
}
