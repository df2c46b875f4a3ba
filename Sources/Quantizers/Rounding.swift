// The one rounding convention of BitBudget: round half to even.
//
// Why half-to-even rather than half-away-from-zero:
//  * it is IEEE 754's default rounding, so the hardware does it with no branch;
//  * ONNX QuantizeLinear and PyTorch's fake-quantize (std::nearbyint) use it, so codes
//    agree with models exported from or compared against those tools;
//  * it is odd-symmetric, round(-x) == -round(x), which the symmetric quantizers need
//    for Q(-w) == -Q(w), and it has no systematic bias on exact ties.
// The integer engine must call these functions (not `Float.rounded()`, whose default is
// half-away-from-zero) so simulator and engine produce identical codes.

/// Rounds to the nearest integer, ties to even (IEEE 754 `roundTiesToEven`).
///
/// For |x| < 2^22 this adds and subtracts 1.5·2^23: the sum lands in a binade whose unit in
/// the last place is 1, so the FPU's default rounding performs the tie-to-even rounding.
/// (The result for values in (-0.5, 0) is +0 rather than -0; both compare equal.)
@inlinable @inline(__always)
public func roundHalfToEven(_ x: Float) -> Float {
    if abs(x) < 0x1p22 {
        return (x + 0x1.8p23) - 0x1.8p23
    }
    return x.rounded(.toNearestOrEven)
}

/// `roundHalfToEven` converted to `Int32`; `x` must lie within Int32's range.
@inlinable @inline(__always)
public func roundToInt(_ x: Float) -> Int32 {
    Int32(roundHalfToEven(x))
}

/// Stochastic rounding of `x` with a uniform draw `u` in [0, 1): returns ⌊x⌋ + 1 when
/// u < x − ⌊x⌋, else ⌊x⌋. With u uniform this rounds up with probability equal to the
/// fractional part, so E[result] = x (exactly for fractional parts that are multiples of
/// 2^-24, the resolution of `u`; otherwise within 2^-24).
@inlinable @inline(__always)
public func roundStochastic(_ x: Float, uniform u: Float) -> Float {
    let r = roundHalfToEven(x)
    let floor = r > x ? r - 1 : r
    return u < x - floor ? floor + 1 : floor
}

/// The affine weight/activation code: clamp(round(x · inverseScale) + zeroPoint, qmin, qmax).
///
/// `inverseScale` must be `1 / scale` computed in Float (`AffineParameters.inverseScale`);
/// multiplying by the reciprocal (as PyTorch's fake-quantize does) is both faster than a
/// division and the exact operation the engine repeats.
@inlinable @inline(__always)
public func affineCode(_ x: Float, inverseScale: Float, zeroPoint: Int32, qmin: Int32, qmax: Int32) -> Int32 {
    let lo = Float(qmin - zeroPoint), hi = Float(qmax - zeroPoint)
    let t = roundHalfToEven(Swift.min(Swift.max(x * inverseScale, lo), hi))
    return Int32(t) + zeroPoint
}

/// Rounds a positive scale to 16 significant bits (15 stored mantissa bits, nearest with ties
/// to even on the bit pattern).
///
/// Every quantizer stores scales in this form. Then `scale · k` is exact in Float for every
/// integer |k| ≤ 255, and `(scale · k) · (1/scale)` rounds back to `k`, which is what makes
/// quantize(dequantize(codes)) reproduce the codes and the quantizers exactly idempotent.
/// The relative change is at most 2^-17 ≈ 7.6e-6, far below any quantization step.
@inlinable
public func canonicalScale(_ s: Float) -> Float {
    precondition(s > 0 && s.isFinite, "canonicalScale: scale must be positive and finite, got \(s)")
    let bits = s.bitPattern
    let rounded = (bits &+ 0x7F &+ ((bits >> 8) & 1)) & ~UInt32(0xFF)
    return Float(bitPattern: rounded)
}

/// The canonical scale just below the canonical scale `s`.
@usableFromInline
func canonicalScaleBelow(_ s: Float) -> Float {
    let bits = s.bitPattern
    return bits > 0x100 ? Float(bitPattern: bits - 0x100) : s
}

/// Bias of an integer layer: round(bias / (S_w · S_x)) to nearest, **ties away from zero**,
/// saturated to int32, computed in double precision (0 when S_w · S_x is not positive).
/// The one definition the integer engine (`Requantizer.quantizeBias`) and the simulator's
/// integer program both use.
public func quantizeBias(_ bias: Float, weightScale: Float, inputScale: Float) -> Int32 {
    let s = Double(weightScale) * Double(inputScale)
    guard s > 0 else { return 0 }
    let v = (Double(bias) / s).rounded(.toNearestOrAwayFromZero)
    return Int32(clamping: Int64(Swift.max(-9.0e18, Swift.min(9.0e18, v))))
}
