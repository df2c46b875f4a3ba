import TensorMath

/// Per-channel sums of an NCHW tensor accumulated chunk by chunk, image after image, in the
/// order `ChannelStatistics` uses — so the statistics of a batch fed in chunks equal those of
/// the whole batch bit for bit.
public struct ChannelMoments: Sendable {
    public private(set) var sum: [Double]
    public private(set) var sumSquares: [Double]
    public private(set) var count = 0

    public init(channels: Int) { sum = [Double](repeating: 0, count: channels); sumSquares = sum }

    public mutating func add(_ y: Tensor) {
        let n = y.shape[0], c = y.rank > 1 ? y.shape[1] : 1
        let plane = y.count / max(1, n * c)
        y.data.withUnsafeBufferPointer { p in
            for img in 0..<n {
                for ch in 0..<c {
                    let base = (img * c + ch) * plane
                    var a = 0.0, b = 0.0
                    for j in 0..<plane { let v = Double(p[base + j]); a += v; b += v * v }
                    sum[ch] += a; sumSquares[ch] += b
                }
            }
        }
        count += n * plane
    }

    public var statistics: ChannelStatistics { ChannelStatistics(sum: sum, sumSquares: sumSquares, count: count) }
}
