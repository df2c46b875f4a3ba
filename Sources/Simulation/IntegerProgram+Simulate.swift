import CBLAS
import CKernels
import TensorMath

/// The simulator's engine-parity mode: runs an `IntegerProgram` with an independent
/// convolution — the centered codes (x − z_x) and (w − z_w) as doubles, im2col with zero
/// padding, `cblas_dgemm` — whose accumulators are exact (every product and partial sum is an
/// integer far below 2^53), followed by the scalar definitions of requantization
/// (`bb_requantize_u8_ref`), add (`bb_add_u8_ref`) and pooling, and the program's own
/// logits dequantization. It shares no GEMM, packing or im2col code with the engine, so
/// agreement with `Engine.IntegerNetwork` checks the engine's kernels end to end.
public final class ParitySimulator {
    public let program: IntegerProgram
    /// Per step: centered weights (rows × k) as doubles (empty for non-conv steps).
    private let weights: [[Double]]

    public init(_ program: IntegerProgram) {
        self.program = program
        openblas_set_num_threads(1)  // parallel over images, like TensorMath.BLAS
        weights = program.steps.map { step in
            guard case .conv(let c) = step else { return [] }
            return c.weights.centered().map(Double.init)
        }
    }

    private struct Worker {
        var cols: [Double] = []
        var acc: [Double] = []
        var iacc: [Int32] = []
    }

    /// Logits [N, classes] of a normalized NCHW batch.
    public func logits(_ images: Tensor) -> Tensor {
        program.run(images, referenceKernels: true, makeWorker: { Worker() }) { w, si, c, x, out, logits in
            let k = c.weights.k, n = c.cols, m = c.weights.rows
            if w.cols.count < k * n { w.cols = [Double](repeating: 0, count: k * n) }
            if w.acc.count < m * n { w.acc = [Double](repeating: 0, count: m * n); w.iacc = [Int32](repeating: 0, count: m * n) }
            let zx = Double(program.values[c.input].quantization.zeroPoint)
            w.cols.withUnsafeMutableBufferPointer { cp in
                let col = cp.baseAddress!
                for ci in 0..<c.channels { for i in 0..<c.kernelH { for j in 0..<c.kernelW {
                    let r = (ci * c.kernelH + i) * c.kernelW + j
                    for oy in 0..<c.outH {
                        let iy = oy * c.strideH - c.padH + i * c.dilationH
                        for ox in 0..<c.outW {
                            let ix = ox * c.strideW - c.padW + j * c.dilationW
                            let inside = iy >= 0 && iy < c.height && ix >= 0 && ix < c.width
                            col[r * n + oy * c.outW + ox] = inside ? Double(x[(ci * c.height + iy) * c.width + ix]) - zx : 0
                        }
                    }
                } } }
            }
            weights[si].withUnsafeBufferPointer { wp in
                w.cols.withUnsafeBufferPointer { cp in
                    w.acc.withUnsafeMutableBufferPointer { ap in
                        cblas_dgemm(CblasRowMajor, CblasNoTrans, CblasNoTrans, Int32(m), Int32(n), Int32(k), 1,
                                    wp.baseAddress, Int32(k), cp.baseAddress, Int32(n), 0, ap.baseAddress, Int32(n))
                    }
                }
            }
            for i in 0..<(m * n) { w.iacc[i] = Int32(w.acc[i]) }
            if let out {
                w.iacc.withUnsafeBufferPointer { ap in
                    c.withRequantParams { bb_requantize_u8_ref(ap.baseAddress, m, n, n, $0, out, n) }
                }
            } else if let logits {
                for r in 0..<m { logits[r] = c.logit(w.iacc[r * n], row: r) }
            }
        }
    }
}
