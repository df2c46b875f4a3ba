/// Scale, zero point and code range of a uniform (affine) grid: x ≈ scale · (code − zeroPoint),
/// code ∈ [qmin, qmax]. Scales are always canonical (`canonicalScale`).
public struct AffineParameters: Equatable, Hashable, Sendable, Codable {
    public var scale: Float
    public var zeroPoint: Int32
    public var qmin: Int32
    public var qmax: Int32

    public init(scale: Float, zeroPoint: Int32, qmin: Int32, qmax: Int32) {
        self.scale = scale
        self.zeroPoint = zeroPoint
        self.qmin = qmin
        self.qmax = qmax
    }

    /// `1 / scale` in Float: the factor every code computation multiplies by.
    @inlinable public var inverseScale: Float { 1 / scale }

    /// clamp(round(x / scale) + zeroPoint, qmin, qmax) via `affineCode`.
    @inlinable public func code(_ x: Float) -> Int32 {
        affineCode(x, inverseScale: inverseScale, zeroPoint: zeroPoint, qmin: qmin, qmax: qmax)
    }

    /// scale · (code − zeroPoint).
    @inlinable public func value(_ code: Int32) -> Float { scale * Float(code - zeroPoint) }

    /// The clip range the grid covers: [value(qmin), value(qmax)].
    public var representableRange: ClosedRange<Float> { value(qmin)...value(qmax) }

    /// Symmetric b-bit grid (b ≥ 2): codes [−(2^(b−1)−1), 2^(b−1)−1], zero point 0,
    /// scale = canonicalScale(clip / (2^(b−1)−1)). An all-zero input (clip 0) gets scale 1.
    ///
    /// The narrow range (−127...127 for 8 bits, not −128) keeps the grid symmetric, so
    /// Q(−w) = −Q(w) exactly and no code is wasted on one side; it is the convention of
    /// TFLite/ONNX symmetric int8 weights and avoids the −128·−128 product overflowing a
    /// 16-bit pairwise multiply-add in the integer kernels.
    public static func symmetric(clip: Float, bits: Int) -> AffineParameters {
        let qmax = Int32((1 << (bits - 1)) - 1)
        let scale = clip > 0 && clip.isFinite ? canonicalScale(clip / Float(qmax)) : 1
        return AffineParameters(scale: scale, zeroPoint: 0, qmin: -qmax, qmax: qmax)
    }

    /// Asymmetric grid over `levels` + 1 codes [0, levels] covering [low, high]
    /// (the range is first widened to contain 0, so that 0 is exactly representable).
    ///
    /// With L = −low, H = high: scale = canonicalScale((H + L) / levels), then, while
    /// round(L/scale) + round(H/scale) < levels, the scale steps down one canonical value
    /// (this only triggers when L/scale is within rounding noise of a half-integer and
    /// takes one or two steps); zeroPoint = round(L/scale), clamped to [0, levels].
    /// This guarantees that `low` gets code 0 and `high` gets code `levels`, and that
    /// re-deriving from the grid's own end points [−zp·scale, (levels−zp)·scale]
    /// returns the same parameters — the property that makes the asymmetric quantizer
    /// exactly idempotent. An empty range gets scale 1, zero point 0.
    public static func asymmetric(low: Float, high: Float, levels: Int) -> AffineParameters {
        let lo = Swift.min(low, 0), hi = Swift.max(high, 0)
        let levelsF = Float(levels)
        let range = hi - lo
        guard range > 0, range.isFinite else {
            return AffineParameters(scale: 1, zeroPoint: 0, qmin: 0, qmax: Int32(levels))
        }
        var scale = canonicalScale(range / levelsF)
        var zl: Float = 0
        for _ in 0..<64 {
            let inv = 1 / scale
            zl = roundHalfToEven(-lo * inv)
            let zh = roundHalfToEven(hi * inv)
            if zl + zh >= levelsF { break }
            scale = canonicalScaleBelow(scale)
        }
        let zp = Int32(Swift.min(Swift.max(zl, 0), levelsF))
        return AffineParameters(scale: scale, zeroPoint: zp, qmin: 0, qmax: Int32(levels))
    }

    /// Asymmetric unsigned b-bit grid: codes [0, 2^b − 1].
    public static func asymmetric(low: Float, high: Float, bits: Int) -> AffineParameters {
        asymmetric(low: low, high: high, levels: (1 << bits) - 1)
    }
}
