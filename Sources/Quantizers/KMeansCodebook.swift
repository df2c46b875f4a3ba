import TensorMath

/// Clustering quantizer (Deep Compression's weight sharing), bits 1...8: K = 2^b centroids
/// per group; the code is the index of the nearest centroid.
///
/// Definition, per group (1-D k-means, all deterministic):
///   * If the group has ≤ K distinct values, the codebook is those values (zero error —
///     the k-means optimum), padded to K entries by repeating the largest.
///   * Otherwise centroids start evenly spaced between min and max, c_j = min + j·(max −
///     min)/(K − 1), and Lloyd iterations run until no centroid changes or
///     `maxIterations` is reached. Assignment is to the nearest centroid, exact ties to the
///     lower index (compared against midpoints computed in Double, where they are exact);
///     the update is the mean of the assigned values (in Double); a centroid with no
///     values keeps its position. Centroids stay sorted ascending.
/// Each Lloyd step is O(K log n): values are sorted once, clusters are contiguous runs of
/// the sorted values, and means come from prefix sums.
///
/// Q(Q(w)) = Q(w) exactly: Q(w) has at most K distinct values per group, which the first
/// rule reproduces. The codes of Q(w) may differ (fewer distinct values shift indices); the
/// values do not.
public struct KMeansCodebook: WeightQuantizer {
    public let bits: Int
    public let granularity: Granularity
    public let maxIterations: Int

    public init(bits: Int, granularity: Granularity = .perChannel, maxIterations: Int = 50) throws {
        try QuantizerError.checkBits(bits, 1...8, "kmeans")
        guard maxIterations >= 0 else {
            throw QuantizerError.invalidOption("kmeans iterations must be ≥ 0, got \(maxIterations)")
        }
        self.bits = bits
        self.granularity = granularity
        self.maxIterations = maxIterations
    }

    /// Centroids per group, 2^bits.
    public var codebookSize: Int { 1 << bits }

    public func quantize(_ w: Tensor) -> QuantizedTensor {
        let n = w.count
        let k = codebookSize
        let groups = ChannelGroups(shape: w.shape, elementCount: n, granularity: granularity)
        var codes = [Int32](repeating: 0, count: n)
        var book = [Float](repeating: 0, count: groups.count * k)
        var sorted = [Float](repeating: 0, count: groups.size)
        var prefix = [Double](repeating: 0, count: groups.size + 1)
        var mids = [Double](repeating: 0, count: k)
        w.data.withUnsafeBufferPointer { src in
            codes.withUnsafeMutableBufferPointer { out in
                book.withUnsafeMutableBufferPointer { book in
                    for g in 0..<groups.count {
                        let r = groups.range(g)
                        guard !r.isEmpty else { continue }
                        let centroids = UnsafeMutableBufferPointer(rebasing: book[(g * k)..<((g + 1) * k)])
                        sorted.withUnsafeMutableBufferPointer { sorted in
                            prefix.withUnsafeMutableBufferPointer { prefix in
                                fit(UnsafeBufferPointer(rebasing: src[r]), sorted: sorted, prefix: prefix,
                                    centroids: centroids)
                            }
                        }
                        mids.withUnsafeMutableBufferPointer { mids in
                            Self.midpoints(centroids, into: mids)
                            for i in r { out[i] = Self.nearest(src[i], midpoints: mids, count: k) }
                        }
                    }
                }
            }
        }
        return QuantizedTensor(shape: w.shape, codes: codes, scales: [Float](repeating: 1, count: groups.count),
                               zeroPoints: [Int32](repeating: 0, count: groups.count), bits: bits,
                               granularity: granularity, scheme: .codebook(book))
    }

    /// mids[j] = (c_j + c_{j+1}) / 2 in Double (exact) for j < K − 1.
    static func midpoints(_ c: UnsafeMutableBufferPointer<Float>, into mids: UnsafeMutableBufferPointer<Double>) {
        for j in 0..<(c.count - 1) { mids[j] = (Double(c[j]) + Double(c[j + 1])) * 0.5 }
    }

    /// Index of the nearest centroid: the first j with x ≤ mids[j], else K − 1.
    @inline(__always)
    static func nearest(_ x: Float, midpoints mids: UnsafeMutableBufferPointer<Double>, count k: Int) -> Int32 {
        let v = Double(x)
        var lo = 0, hi = k - 1          // answer in [lo, hi]
        while lo < hi {
            let m = (lo + hi) / 2
            if v <= mids[m] { hi = m } else { lo = m + 1 }
        }
        return Int32(lo)
    }

    /// Number of sorted values in [from, n) that are ≤ bound, plus `from`.
    @inline(__always)
    static func upperBound(_ sorted: UnsafeMutableBufferPointer<Float>, _ bound: Double, from: Int) -> Int {
        var lo = from, hi = sorted.count
        while lo < hi {
            let m = (lo + hi) / 2
            if Double(sorted[m]) <= bound { lo = m + 1 } else { hi = m }
        }
        return lo
    }

    func fit(_ src: UnsafeBufferPointer<Float>, sorted: UnsafeMutableBufferPointer<Float>,
             prefix: UnsafeMutableBufferPointer<Double>, centroids c: UnsafeMutableBufferPointer<Float>) {
        let n = src.count, k = c.count
        var s = UnsafeMutableBufferPointer(rebasing: sorted[0..<n])
        for i in 0..<n { s[i] = src[i] }
        s.sort()
        // Few distinct values: the codebook is exactly those values.
        var distinct = 1
        for i in 1..<n where s[i] != s[i - 1] { distinct += 1; if distinct > k { break } }
        if distinct <= k {
            var j = 0
            c[0] = s[0]
            for i in 1..<n where s[i] != s[i - 1] { j += 1; c[j] = s[i] }
            for t in (j + 1)..<k { c[t] = c[j] }
            return
        }
        prefix[0] = 0
        for i in 0..<n { prefix[i + 1] = prefix[i] + Double(s[i]) }
        let lo = Double(s[0]), hi = Double(s[n - 1])
        for j in 0..<k { c[j] = Float(lo + (hi - lo) * Double(j) / Double(k - 1)) }
        var next = [Float](repeating: 0, count: k)
        for _ in 0..<maxIterations {
            var changed = false
            var start = 0
            for j in 0..<k {
                let end = j == k - 1 ? n : Self.upperBound(s, (Double(c[j]) + Double(c[j + 1])) * 0.5, from: start)
                if end > start {
                    next[j] = Float((prefix[end] - prefix[start]) / Double(end - start))
                } else {
                    next[j] = c[j]
                }
                if next[j] != c[j] { changed = true }
                start = end
            }
            for j in 0..<k { c[j] = next[j] }
            if !changed { break }
        }
    }
}
