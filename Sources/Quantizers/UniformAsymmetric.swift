import TensorMath

/// Uniform asymmetric (affine) quantizer (bits 1...8), unsigned codes [0, 2^b − 1].
///
/// Definition, per group, with levels = 2^b − 1:
///   [lo, hi] = clip range chosen by `clip` (min/max, percentiles, or the MSE-optimal ratio
///              r·[min, max]), widened to contain 0,
///   (scale, zp) = `AffineParameters.asymmetric(low: lo, high: hi, levels:)`,
///   code  = clamp(roundHalfToEven(w · (1/scale)) + zp, 0, levels)   (or stochastic),
///   Q(w)  = scale · (code − zp).
/// Zero is exact (code zp); |w − Q(w)| ≤ scale/2 inside [−zp·scale, (levels − zp)·scale].
///
/// Idempotence: Q(Q(w)) = Q(w) exactly with nearest rounding: the parameter derivation
/// guarantees lo → code 0 and hi → code levels, so the recomputed range of Q(w) is exactly
/// the grid's end points, from which the derivation returns the same (scale, zp).
public struct UniformAsymmetric: WeightQuantizer {
    public let bits: Int
    public let granularity: Granularity
    public let clip: ClipSearch
    public let rounding: RoundingMode

    public init(bits: Int, granularity: Granularity = .perChannel, clip: ClipSearch = .minMax,
                rounding: RoundingMode = .nearest) throws {
        try QuantizerError.checkBits(bits, 1...8, "uniform-asym")
        if case .percentile(let p) = clip { try ClipSearch.validate(percentile: p) }
        self.bits = bits
        self.granularity = granularity
        self.clip = clip
        self.rounding = rounding
    }

    /// Largest code, 2^b − 1.
    public var levels: Int32 { Int32((1 << bits) - 1) }

    var core: UniformQuantizerCore {
        UniformQuantizerCore(bits: bits, symmetric: false, granularity: granularity, clip: clip, rounding: rounding)
    }

    public func quantize(_ w: Tensor) -> QuantizedTensor { core.quantize(w) }
}
