import TensorMath

/// Per-channel mean and standard deviation of an NCHW (or [N, C]) tensor, accumulated in
/// Double — what statistics correction compares between float and quantized layers.
public struct ChannelStatistics: Sendable, Equatable {
    public var mean: [Double]
    public var std: [Double]

    public init(_ y: Tensor) {
        var m = ChannelMoments(channels: y.rank > 1 ? y.shape[1] : 1)
        m.add(y)
        self = m.statistics
    }

    /// From sums accumulated elsewhere (`ChannelMoments`), with the same arithmetic.
    public init(sum s: [Double], sumSquares s2: [Double], count n: Int) {
        let count = Double(max(1, n))
        mean = s.map { $0 / count }
        std = zip(s2, mean).map { max(0, $0.0 / count - $0.1 * $0.1).squareRoot() }
    }
}
