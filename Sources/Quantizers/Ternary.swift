import TensorMath

/// Ternary quantizer (Ternary Weight Networks, Li & Liu 2016); 3 levels stored in 2 bits.
///
/// Definition, per group (sums in Double):
///   Δ = 0.7 · E|w|                      (TWN's approximation of the optimal threshold),
///   α = mean of |w| over {|w| > Δ}       (0 if that set is empty),
///   code = +1 if w > Δ, −1 if w < −Δ, else 0;   Q(w) = α · code.
///
/// Properties: Q(−w) = −Q(w); Q(Q(w)) = Q(w) exactly (for Q(w), E|Q| = α·f with f ≤ 1 the
/// nonzero fraction, so Δ' = 0.7·α·f < α keeps every nonzero, and their mean is α again).
public struct Ternary: WeightQuantizer {
    public let granularity: Granularity
    /// Ternary codes need 2 bits of storage (3 levels do not fit 1 bit).
    public var bits: Int { 2 }

    public init(granularity: Granularity = .perChannel) {
        self.granularity = granularity
    }

    /// TWN's threshold factor.
    public static let thresholdFactor = 0.7

    /// (Δ, α) of one group, as defined above.
    public static func parameters(_ w: UnsafeBufferPointer<Float>) -> (delta: Double, alpha: Float) {
        guard !w.isEmpty else { return (0, 0) }
        var sum = 0.0
        for v in w { sum += Double(abs(v)) }
        let delta = thresholdFactor * (sum / Double(w.count))
        var kept = 0.0, count = 0
        for v in w where Double(abs(v)) > delta { kept += Double(abs(v)); count += 1 }
        return (delta, count == 0 ? 0 : Float(kept / Double(count)))
    }

    /// (Δ, α) of a whole array (one group).
    public static func parameters(_ w: [Float]) -> (delta: Double, alpha: Float) {
        w.withUnsafeBufferPointer { parameters($0) }
    }

    public func quantize(_ w: Tensor) -> QuantizedTensor {
        let n = w.count
        let groups = ChannelGroups(shape: w.shape, elementCount: n, granularity: granularity)
        var codes = [Int32](repeating: 0, count: n)
        var scales = [Float]()
        w.data.withUnsafeBufferPointer { src in
            codes.withUnsafeMutableBufferPointer { out in
                for g in 0..<groups.count {
                    let r = groups.range(g)
                    let (delta, alpha) = Self.parameters(UnsafeBufferPointer(rebasing: src[r]))
                    scales.append(alpha)
                    for i in r {
                        let v = Double(src[i])
                        out[i] = v > delta ? 1 : (v < -delta ? -1 : 0)
                    }
                }
            }
        }
        return QuantizedTensor(shape: w.shape, codes: codes, scales: scales,
                               zeroPoints: [Int32](repeating: 0, count: scales.count), bits: 2,
                               granularity: granularity, scheme: .ternary)
    }
}
