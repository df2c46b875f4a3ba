import TensorMath

/// Uniform symmetric quantizer (bits 2...8).
///
/// Definition, per group (output channel or tensor), with qmax = 2^(b−1) − 1:
///   c     = clip magnitude chosen by `clip` (`ClipSearch`: max|w|, a percentile of |w|,
///           or the MSE-optimal ratio of max|w|),
///   scale = canonicalScale(c / qmax),
///   code  = clamp(roundHalfToEven(w · (1/scale)), −qmax, qmax)   (or stochastic rounding),
///   Q(w)  = scale · code.
/// Zero is exact, the grid is symmetric so Q(−w) = −Q(w), and |w − Q(w)| ≤ scale/2 inside
/// [−qmax·scale, qmax·scale]. 1 bit is rejected: the symmetric grid would only hold 0 (use
/// `Binary`).
///
/// Idempotence: Q(Q(w)) = Q(w) exactly for every clip method with nearest rounding. The
/// largest |w| (min-max, MSE) or the percentile element itself gets code ±qmax, so the
/// recomputed clip of Q(w) is exactly scale·qmax and gives back the same canonical scale
/// (percentiles are nearest-rank order statistics and Q is monotone, so the percentile of
/// Q(w) is Q of the percentile of w; the MSE search tries ratio 1 first, which reproduces
/// Q(w) with zero error, and any smaller ratio must clip the extreme values).
public struct UniformSymmetric: WeightQuantizer {
    public let bits: Int
    public let granularity: Granularity
    public let clip: ClipSearch
    public let rounding: RoundingMode

    public init(bits: Int, granularity: Granularity = .perChannel, clip: ClipSearch = .minMax,
                rounding: RoundingMode = .nearest) throws {
        try QuantizerError.checkBits(bits, 2...8, "uniform")
        if case .percentile(let p) = clip { try ClipSearch.validate(percentile: p) }
        self.bits = bits
        self.granularity = granularity
        self.clip = clip
        self.rounding = rounding
    }

    /// Largest code magnitude, 2^(b−1) − 1.
    public var qmax: Int32 { Int32((1 << (bits - 1)) - 1) }

    var core: UniformQuantizerCore {
        UniformQuantizerCore(bits: bits, symmetric: true, granularity: granularity, clip: clip, rounding: rounding)
    }

    public func quantize(_ w: Tensor) -> QuantizedTensor { core.quantize(w) }
}
