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
        // Channels are split over threads; each channel still adds image after image, so the
        // sums are the same bits as a serial pass.
        y.data.withUnsafeBufferPointer { p in
        sum.withUnsafeMutableBufferPointer { sp in
        sumSquares.withUnsafeMutableBufferPointer { qp in
            guard let src = p.baseAddress, let s = sp.baseAddress, let q = qp.baseAddress else { return }
            Parallel.forRanges(c, minChunk: max(1, Parallel.elementwiseGrain / max(1, n * plane))) { channels in
                for ch in channels {
                    for img in 0..<n {
                        let base = (img * c + ch) * plane
                        var a = 0.0, b = 0.0
                        for j in 0..<plane { let v = Double(src[base + j]); a += v; b += v * v }
                        s[ch] += a; q[ch] += b
                    }
                }
            }
        }}}
        count += n * plane
    }

    public var statistics: ChannelStatistics { ChannelStatistics(sum: sum, sumSquares: sumSquares, count: count) }
}
