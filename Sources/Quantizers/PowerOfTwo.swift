import TensorMath

/// Logarithmic (power-of-two) quantizer, bits 2...8.
///
/// Definition, per group, with n = 2^(b−1) − 1 magnitude levels and scale s = max|w|
/// (an all-zero group gets s = 1):
///   levels  {0, ±s·2^0, ±s·2^−1, …, ±s·2^−(n−1)}   (2n + 1 = 2^b − 1 values),
///   E       = round(log2(|w| / s)), rounded in the log domain (ties cannot occur: the
///             boundary between 2^−e and 2^−(e+1) is the irrational s·2^−(e+½)),
///   e       = −E ∈ [0, ∞); e ≤ n−1 → code sign(w)·(n − e), e > n−1 (i.e. |w| <
///             s·2^−(n−½)) → code 0,
///   Q(w)    = sign(code) · s · 2^(|code| − n)   (see `QuantizationScheme.powerOfTwo`).
/// log2 is not evaluated with a libm call: |w|/s = m·2^k with m ∈ [1, 2) is exact, and
/// round(log2) = k + (m > √2 ? 1 : 0), so codes are bit-identical on every platform.
/// Power-of-two levels are dense near zero, matching bell-shaped weight distributions, and
/// a multiply by s·2^−e is a shift plus one per-channel scale in hardware.
///
/// Properties: Q(−w) = −Q(w); Q(Q(w)) = Q(w) exactly (max|Q(w)| = s and every level divided
/// by s is an exact power of two).
public struct PowerOfTwo: WeightQuantizer {
    public let bits: Int
    public let granularity: Granularity

    public init(bits: Int, granularity: Granularity = .perChannel) throws {
        try QuantizerError.checkBits(bits, 2...8, "pow2")
        self.bits = bits
        self.granularity = granularity
    }

    /// Magnitude levels n = 2^(b−1) − 1 (the largest code).
    public var maxMagnitude: Int32 { Int32((1 << (bits - 1)) - 1) }

    /// The code of `w` for scale `s` (the definition above).
    @inlinable
    public static func code(_ w: Float, scale s: Float, maxMagnitude n: Int32) -> Int32 {
        if w == 0 { return 0 }
        let x = abs(w) / s
        if x == 0 { return 0 }
        let roundedLog = Int(x.exponent) + (Double(x.significand) > 2.0.squareRoot() ? 1 : 0)
        let e = -roundedLog
        if e > Int(n) - 1 { return 0 }
        let magnitude = n - Int32(Swift.max(e, 0))
        return w < 0 ? -magnitude : magnitude
    }

    public func quantize(_ w: Tensor) -> QuantizedTensor {
        let n = w.count
        let groups = ChannelGroups(shape: w.shape, elementCount: n, granularity: granularity)
        var codes = [Int32](repeating: 0, count: n)
        var scales = [Float]()
        let levels = maxMagnitude
        w.data.withUnsafeBufferPointer { src in
            codes.withUnsafeMutableBufferPointer { out in
                for g in 0..<groups.count {
                    let r = groups.range(g)
                    var s: Float = 0
                    for i in r { s = Swift.max(s, abs(src[i])) }
                    if !(s > 0) { s = 1 }
                    scales.append(s)
                    for i in r { out[i] = Self.code(src[i], scale: s, maxMagnitude: levels) }
                }
            }
        }
        return QuantizedTensor(shape: w.shape, codes: codes, scales: scales,
                               zeroPoints: [Int32](repeating: 0, count: scales.count), bits: bits,
                               granularity: granularity, scheme: .powerOfTwo)
    }
}
