import CKernels

/// A real multiplier M > 0 in gemmlowp/TFLite fixed point: M ~= multiplier * 2^(shift-31),
/// multiplier a Q31 mantissa in [2^30, 2^31-1]. The decomposition and the arithmetic
/// are the C library's single definitions (`bb_quantize_multiplier`,
/// `bb_multiply_by_quantized_multiplier`), so a simulator calling `apply` reproduces the
/// engine bit for bit.
public struct FixedPointMultiplier: Sendable, Equatable, Hashable {
    public let multiplier: Int32
    /// Power-of-two exponent: > 0 shifts left before the high multiply, < 0 is a
    /// rounding right shift after it.
    public let shift: Int32

    public init(multiplier: Int32, shift: Int32) {
        self.multiplier = multiplier
        self.shift = shift
    }

    /// Decomposes `real` (>= 0; the mantissa is rounded half away from zero; values
    /// below 2^-32 become zero). nil for a negative, non-finite, or >= 2^31 multiplier.
    public init?(real: Double) {
        var m: Int32 = 0, s: Int32 = 0
        guard bb_quantize_multiplier(real, &m, &s) == 0 else { return nil }
        self.init(multiplier: m, shift: s)
    }

    /// The real number this pair represents exactly: multiplier * 2^(shift - 31).
    public var realValue: Double {
        Double(multiplier) * Double(sign: .plus, exponent: Int(shift) - 31, significand: 1)
    }

    /// RDBPOT(SRDHM(x * 2^max(shift,0), multiplier), max(-shift,0)).
    public func apply(_ x: Int32) -> Int32 { bb_multiply_by_quantized_multiplier(x, multiplier, shift) }

    /// gemmlowp SaturatingRoundingDoublingHighMul (= floor((a*b + 2^30) / 2^31), ties
    /// toward +infinity; INT32_MIN * INT32_MIN saturates to INT32_MAX).
    public static func saturatingRoundingDoublingHighMul(_ a: Int32, _ b: Int32) -> Int32 { bb_srdhm(a, b) }

    /// gemmlowp RoundingDivideByPOT: x / 2^exponent rounded to nearest, ties away from zero.
    public static func roundingDivideByPOT(_ x: Int32, _ exponent: Int32) -> Int32 {
        precondition((0...31).contains(exponent), "roundingDivideByPOT: exponent \(exponent) outside 0...31")
        return bb_rounding_divide_by_pot(x, exponent)
    }
}
