import CKernels
import Quantizers

/// int32 accumulators -> 8-bit codes, per output channel (GEMM row):
///   y = clamp(outputZeroPoint + M_m(acc + bias[m]), qmin, qmax)
/// with M_m = S_w[m] * S_x / S_y as a `FixedPointMultiplier` and bias pre-scaled by
/// S_w[m] * S_x. Fused ReLU = qmin raised to the output zero-point. Bounds are also
/// limited to the output type's range.
public struct Requantizer: Sendable, Equatable {
    public let multipliers: [FixedPointMultiplier]
    public let bias: [Int32]?
    public let outputZeroPoint: Int32
    public let qmin: Int32
    public let qmax: Int32
    /// The multipliers split into the C parameter arrays once (the engine requantizes every
    /// layer of every image).
    private let multiplierValues: [Int32], shiftValues: [Int32]

    public init(multipliers: [FixedPointMultiplier], bias: [Int32]?, outputZeroPoint: Int32,
                qmin: Int32, qmax: Int32) {
        precondition(bias == nil || bias!.count == multipliers.count, "Requantizer: bias/multiplier count mismatch")
        self.multipliers = multipliers
        self.bias = bias
        self.outputZeroPoint = outputZeroPoint
        self.qmin = qmin
        self.qmax = qmax
        multiplierValues = multipliers.map(\.multiplier)
        shiftValues = multipliers.map(\.shift)
    }

    /// From float scales: per-channel weight scales, per-tensor input/output scales,
    /// float bias (quantized by `quantizeBias`), output zero-point, optional fused ReLU.
    /// `signedOutput` selects the int8 range [-128,127] instead of uint8 [0,255].
    public init(weightScales: [Float], inputScale: Float, outputScale: Float, bias: [Float]? = nil,
                outputZeroPoint: Int32, relu: Bool = false, signedOutput: Bool = false) {
        let mults = weightScales.map { ws -> FixedPointMultiplier in
            let real = Double(ws) * Double(inputScale) / Double(outputScale)
            guard let m = FixedPointMultiplier(real: real) else {
                preconditionFailure("Requantizer: multiplier \(real) is not representable")
            }
            return m
        }
        let qb: [Int32]? = bias.map { b in
            precondition(b.count == weightScales.count, "Requantizer: \(b.count) biases for \(weightScales.count) channels")
            return zip(b, weightScales).map { Requantizer.quantizeBias($0, weightScale: $1, inputScale: inputScale) }
        }
        let lo: Int32 = signedOutput ? -128 : 0, hi: Int32 = signedOutput ? 127 : 255
        self.init(multipliers: mults, bias: qb, outputZeroPoint: outputZeroPoint,
                  qmin: relu ? max(lo, outputZeroPoint) : lo, qmax: hi)
    }

    /// round(bias / (S_w * S_x)) to nearest, ties away from zero, saturated to int32
    /// (computed in double precision).
    /// (Defined once in `Quantizers.quantizeBias`, shared with the simulator.)
    public static func quantizeBias(_ bias: Float, weightScale: Float, inputScale: Float) -> Int32 {
        Quantizers.quantizeBias(bias, weightScale: weightScale, inputScale: inputScale)
    }

    /// The scalar definition for one accumulator of row `row` (uint8 output range).
    public func apply(_ acc: Int32, row: Int, signedOutput: Bool = false) -> Int32 {
        let v = acc &+ (bias?[row] ?? 0)
        var y = multipliers[row].apply(v) &+ outputZeroPoint
        let lo = max(qmin, signedOutput ? -128 : 0), hi = min(qmax, signedOutput ? 127 : 255)
        y = min(y, hi)
        y = max(y, lo)
        return y
    }

    /// Requantizes a rows x cols accumulator matrix (rows = multipliers.count) to uint8.
    public func requantizeU8(_ acc: [Int32], cols: Int, reference: Bool = false) -> [UInt8] {
        var out = [UInt8](repeating: 0, count: acc.count)
        guard !acc.isEmpty else { return out }
        acc.withUnsafeBufferPointer { ap in
            out.withUnsafeMutableBufferPointer { op in
                withParams { p in
                    (reference ? bb_requantize_u8_ref : bb_requantize_u8)(ap.baseAddress, multipliers.count, cols, cols,
                                                                          p, op.baseAddress, cols)
                }
            }
        }
        return out
    }

    /// Requantizes to int8.
    public func requantizeS8(_ acc: [Int32], cols: Int, reference: Bool = false) -> [Int8] {
        var out = [Int8](repeating: 0, count: acc.count)
        guard !acc.isEmpty else { return out }
        acc.withUnsafeBufferPointer { ap in
            out.withUnsafeMutableBufferPointer { op in
                withParams { p in
                    (reference ? bb_requantize_s8_ref : bb_requantize_s8)(ap.baseAddress, multipliers.count, cols, cols,
                                                                          p, op.baseAddress, cols)
                }
            }
        }
        return out
    }

    /// Pointer form: acc rows x cols with stride lda, out with stride ldo.
    public func requantizeU8(_ acc: UnsafePointer<Int32>, cols: Int, lda: Int,
                             out: UnsafeMutablePointer<UInt8>, ldo: Int) {
        withParams { bb_requantize_u8(acc, multipliers.count, cols, lda, $0, out, ldo) }
    }

    /// Calls `body` with the C parameter block (valid only inside `body`).
    public func withParams<R>(_ body: (UnsafePointer<bb_requant_params>) throws -> R) rethrows -> R {
        try multiplierValues.withUnsafeBufferPointer { mp in
            try shiftValues.withUnsafeBufferPointer { sp in
                func call(_ bp: UnsafePointer<Int32>?) throws -> R {
                    var p = bb_requant_params(bias: bp, multiplier: mp.baseAddress, shift: sp.baseAddress,
                                              out_zero_point: outputZeroPoint, qmin: qmin, qmax: qmax)
                    return try withUnsafePointer(to: &p) { try body($0) }
                }
                if let b = bias { return try b.withUnsafeBufferPointer { try call($0.baseAddress) } }
                return try call(nil)
            }
        }
    }
}
