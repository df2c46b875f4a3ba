import TensorMath

/// The machinery both uniform quantizers share: clip-range search per group, then codes.
struct UniformQuantizerCore: Sendable {
    let bits: Int
    let symmetric: Bool
    let granularity: Granularity
    let clip: ClipSearch
    let rounding: RoundingMode

    /// Candidates of the MSE clip search.
    static let mseCandidateCount = 100
    /// Smallest clip ratio of the MSE search.
    static let mseLowestRatio = 0.3

    /// Clip ratio i of the MSE search: 1 − i·(1 − 0.3)/99.
    static func mseRatio(_ i: Int) -> Double {
        1 - Double(i) * (1 - mseLowestRatio) / Double(mseCandidateCount - 1)
    }

    func quantize(_ w: Tensor) -> QuantizedTensor {
        let n = w.count
        let groups = ChannelGroups(shape: w.shape, elementCount: n, granularity: granularity)
        var params = [AffineParameters]()
        params.reserveCapacity(groups.count)
        var codes = [Int32](repeating: 0, count: n)
        let needsScratch: Bool
        if case .percentile = clip { needsScratch = true } else { needsScratch = false }
        var scratch = [Float](repeating: 0, count: needsScratch ? groups.size : 0)
        w.data.withUnsafeBufferPointer { all in
            scratch.withUnsafeMutableBufferPointer { scratch in
                codes.withUnsafeMutableBufferPointer { out in
                    for g in 0..<groups.count {
                        let r = groups.range(g)
                        let src = UnsafeBufferPointer(rebasing: all[r])
                        let p = parameters(src, scratch: scratch)
                        params.append(p)
                        AffineKernel.encode(src, p, rounding: rounding, indexOffset: r.lowerBound,
                                            into: UnsafeMutableBufferPointer(rebasing: out[r]))
                    }
                }
            }
        }
        let first = params.first ?? gridParameters(low: 0, high: 0)
        return QuantizedTensor(shape: w.shape, codes: codes, scales: params.map(\.scale),
                               zeroPoints: params.map(\.zeroPoint), bits: bits,
                               granularity: granularity,
                               scheme: .affine(qmin: first.qmin, qmax: first.qmax))
    }

    /// Grid for a clip range: symmetric uses max(−low, high) as its clip.
    func gridParameters(low: Float, high: Float) -> AffineParameters {
        symmetric ? .symmetric(clip: Swift.max(-low, high), bits: bits)
                  : .asymmetric(low: low, high: high, bits: bits)
    }

    /// The grid for one group according to `clip`.
    func parameters(_ src: UnsafeBufferPointer<Float>, scratch: UnsafeMutableBufferPointer<Float>) -> AffineParameters {
        var mn: Float = 0, mx: Float = 0
        for v in src { mn = Swift.min(mn, v); mx = Swift.max(mx, v) }
        // Symmetric grids see the range [−max|w|, max|w|].
        let full: (Float, Float) = symmetric ? (-Swift.max(-mn, mx), Swift.max(-mn, mx)) : (mn, mx)
        switch clip {
        case .minMax:
            return gridParameters(low: full.0, high: full.1)
        case .percentile(let p):
            let n = src.count
            guard n > 0 else { return gridParameters(low: 0, high: 0) }
            let kHi = OrderStatistic.rank(percentile: p, count: n)
            let lo: Float, hi: Float
            if symmetric {
                for i in 0..<n { scratch[i] = abs(src[i]) }
                let c = OrderStatistic.select(scratch, k: kHi, in: 0..<n)
                (lo, hi) = (-c, c)
            } else {
                for i in 0..<n { scratch[i] = src[i] }
                hi = Swift.max(OrderStatistic.select(scratch, k: kHi, in: 0..<n), 0)
                lo = Swift.min(OrderStatistic.select(scratch, k: n - 1 - kHi, in: 0..<(kHi + 1)), 0)
            }
            // A clip of zero width (mostly-zero group) falls back to the full range.
            if hi - lo > 0 { return gridParameters(low: lo, high: hi) }
            return gridParameters(low: full.0, high: full.1)
        case .mse:
            return mseSearch(src, full: full)
        }
    }

    /// MSE clip search. The result is the lexicographic minimum of (error, candidate index)
    /// — exactly what scanning r = 1.0 → 0.3 keeping strict improvements would give — but
    /// candidates are evaluated coarse-to-fine (every 11th first, then outward from the
    /// best so far) so that most of them exceed the incumbent after a few blocks and stop
    /// early (`AffineKernel.squaredError(bound:)`).
    func mseSearch(_ src: UnsafeBufferPointer<Float>, full: (Float, Float)) -> AffineParameters {
        let count = Self.mseCandidateCount
        let candidates = (0..<count).map { i -> AffineParameters in
            let r = Self.mseRatio(i)
            return i == 0 ? gridParameters(low: full.0, high: full.1)
                          : gridParameters(low: Float(Double(full.0) * r), high: Float(Double(full.1) * r))
        }
        var bestIndex = 0
        var bestError = AffineKernel.squaredError(src, candidates[0])
        if bestError == 0 { return candidates[0] }
        var done = [Bool](repeating: false, count: count)
        done[0] = true
        func consider(_ i: Int) {
            guard !done[i] else { return }
            done[i] = true
            if candidates[i] == candidates[bestIndex] {   // identical grid, identical error
                if i < bestIndex { bestIndex = i }
                return
            }
            let e = AffineKernel.squaredError(src, candidates[i], bound: bestError)
            if e < bestError || (e == bestError && i < bestIndex) { bestError = e; bestIndex = i }
        }
        for i in stride(from: 11, to: count, by: 11) { consider(i) }
        let center = bestIndex
        for distance in 1..<count {
            if center - distance >= 0 { consider(center - distance) }
            if center + distance < count { consider(center + distance) }
        }
        return candidates[bestIndex]
    }
}
