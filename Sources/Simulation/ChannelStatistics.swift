import TensorMath

/// Per-channel mean and standard deviation of an NCHW (or [N, C]) tensor, accumulated in
/// Double — what statistics correction compares between float and quantized layers.
public struct ChannelStatistics: Sendable, Equatable {
    public var mean: [Double]
    public var std: [Double]

    public init(_ y: Tensor) {
        let n = y.shape[0], c = y.rank > 1 ? y.shape[1] : 1
        let plane = y.count / max(1, n * c)
        var s = [Double](repeating: 0, count: c), s2 = s
        y.data.withUnsafeBufferPointer { p in
            for img in 0..<n {
                for ch in 0..<c {
                    let base = (img * c + ch) * plane
                    var a = 0.0, b = 0.0
                    for j in 0..<plane { let v = Double(p[base + j]); a += v; b += v * v }
                    s[ch] += a; s2[ch] += b
                }
            }
        }
        let count = Double(max(1, n * plane))
        mean = s.map { $0 / count }
        std = zip(s2, mean).map { max(0, $0.0 / count - $0.1 * $0.1).squareRoot() }
    }

    /// From sums accumulated elsewhere (`ChannelMoments`), with the same arithmetic.
    public init(sum s: [Double], sumSquares s2: [Double], count n: Int) {
        let count = Double(max(1, n))
        mean = s.map { $0 / count }
        std = zip(s2, mean).map { max(0, $0.0 / count - $0.1 * $0.1).squareRoot() }
    }
}
