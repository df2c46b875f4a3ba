import CKernels
import Foundation
import Quantizers
import Simulation
import TensorMath

/// The integer inference engine for a whole model: an `IntegerProgram` (compiled once by
/// `Simulator.integerProgram`) with every layer's weights packed (`PackedWeights`) and its
/// requantization prepared (`Requantizer`). Per image: the input is quantized to u8 once;
/// each Conv/Gemm runs `Im2Col` + `IntegerGEMM` (u8 × packed weights, int32 accumulation) and
/// requantizes with fused ReLU; residual adds run `QuantizedAdd`, pooling `IntegerPooling`;
/// the last layer's accumulators are dequantized to float logits. Images are spread over
/// `Parallel.threadCount` workers.
public final class IntegerNetwork {
    public let program: IntegerProgram
    /// Per program step: packed weights (nil for non-weight steps).
    public let packed: [PackedWeights?]
    private let requantizers: [Requantizer?]

    public init(program: IntegerProgram) throws {
        self.program = program
        var packed: [PackedWeights?] = [], requantizers: [Requantizer?] = []
        for step in program.steps {
            guard case .conv(let c) = step else { packed.append(nil); requantizers.append(nil); continue }
            let w = c.weights
            do {
                switch w.kind {
                case .int(let bits):
                    if let zp = w.zeroPoints {
                        packed.append(try PackedWeights(bits: bits, rows: w.rows, k: w.k, unsignedCodes: w.codes, zeroPoints: zp, scales: w.scales))
                    } else {
                        packed.append(try PackedWeights(format: .int(bits: bits), rows: w.rows, k: w.k, codes: w.codes, scales: w.scales))
                    }
                case .ternary: packed.append(try PackedWeights(format: .ternary, rows: w.rows, k: w.k, codes: w.codes, scales: w.scales))
                case .binary: packed.append(try PackedWeights(format: .binary, rows: w.rows, k: w.k, codes: w.codes, scales: w.scales))
                }
            } catch {
                throw IntegerProgramError("layer '\(c.name)': cannot pack \(w.kind) weights: \(error)")
            }
            requantizers.append(Requantizer(multipliers: zip(c.multipliers, c.shifts).map { FixedPointMultiplier(multiplier: $0, shift: $1) },
                                            bias: c.bias, outputZeroPoint: c.outputZeroPoint, qmin: c.qmin, qmax: c.qmax))
        }
        self.packed = packed
        self.requantizers = requantizers
    }

    /// Σ `PackedWeights.packedByteCount` over the layers: the bytes the engine stores
    /// (codes incl. row padding, scales, zero points; biases excluded).
    public var weightBytes: Int { packed.reduce(0) { $0 + ($1?.packedByteCount ?? 0) } }

    private struct Worker {
        var cols: [UInt8] = []
        var acc: [Int32] = []
    }

    /// Logits [N, classes] of a normalized NCHW batch. With `profile` (one slot per program
    /// step) the per-step seconds, summed over workers, are added to it.
    public func logits(_ images: Tensor, profile: UnsafeMutablePointer<Double>? = nil) -> Tensor {
        program.run(images, profile: profile, makeWorker: { Worker() }) { w, si, c, x, out, logits in
            let weights = packed[si]!
            let k = c.weights.k, n = c.cols, m = c.weights.rows
            let zx = program.values[c.input].quantization.zeroPoint
            if w.acc.count < m * n { w.acc = [Int32](repeating: 0, count: m * n) }
            func gemm(_ xp: UnsafePointer<UInt8>) {
                w.acc.withUnsafeMutableBufferPointer {
                    IntegerGEMM.run(weights, x: xp, n: n, ldx: n, xZeroPoint: zx, c: $0.baseAddress!, ldc: n)
                }
            }
            if c.isPointwise {
                gemm(x)
            } else {
                if w.cols.count < k * n { w.cols = [UInt8](repeating: 0, count: k * n) }
                w.cols.withUnsafeMutableBufferPointer { cp in
                    bb_im2col_u8(x, c.channels, c.height, c.width, c.kernelH, c.kernelW, c.strideH, c.strideW, c.padH, c.padW,
                                 c.dilationH, c.dilationW, UInt8(clamping: zx), cp.baseAddress, n)
                }
                w.cols.withUnsafeBufferPointer { gemm($0.baseAddress!) }
            }
            if let out {
                w.acc.withUnsafeBufferPointer { requantizers[si]!.requantizeU8($0.baseAddress!, cols: n, lda: n, out: out, ldo: n) }
            } else if let logits {
                for r in 0..<m { logits[r] = c.logit(w.acc[r * n], row: r) }
            }
        }
    }
}
