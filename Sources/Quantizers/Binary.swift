import TensorMath

/// Binary quantizer (XNOR-Net), 1 bit.
///
/// Definition, per group: α = mean|w| (accumulated in Double), code = sign(w) ∈ {−1, +1}
/// with sign(0) = +1 (the survey's Sign: +1 for x ≥ 0), Q(w) = α·code. α = mean|w| is the
/// scale minimizing ‖w − α·sign(w)‖² (XNOR-Net).
///
/// Properties: Q(Q(w)) = Q(w) exactly (n copies of α sum exactly in Double, so the mean of
/// |Q(w)| is α again); Q(−w) = −Q(w) for every w ≠ 0 (zero maps to +α either way).
public struct Binary: WeightQuantizer {
    public let granularity: Granularity
    public var bits: Int { 1 }

    public init(granularity: Granularity = .perChannel) {
        self.granularity = granularity
    }

    /// mean|w| in Double, rounded once to Float (0 for an empty buffer).
    public static func alpha(_ w: UnsafeBufferPointer<Float>) -> Float {
        guard !w.isEmpty else { return 0 }
        var sum = 0.0
        for v in w { sum += Double(abs(v)) }
        return Float(sum / Double(w.count))
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
                    scales.append(Self.alpha(UnsafeBufferPointer(rebasing: src[r])))
                    for i in r { out[i] = src[i] >= 0 ? 1 : -1 }
                }
            }
        }
        return QuantizedTensor(shape: w.shape, codes: codes, scales: scales,
                               zeroPoints: [Int32](repeating: 0, count: scales.count), bits: 1,
                               granularity: granularity, scheme: .binary)
    }
}
