/// Searches over an allocator frontier sorted by cost ascending (e.g. `DPAllocator.frontier`),
/// with the accuracy of a point supplied by a *measuring* closure (the CLI measures top-1 on a
/// validation split). Pure logic: no model, no data.
public enum FrontierSearch {
    /// One measured frontier point.
    public struct Probe: Equatable, Sendable {
        public let index: Int
        /// Measured accuracy drop vs float (points of top-1; lower is better).
        public let drop: Double
        public init(index: Int, drop: Double) { self.index = index; self.drop = drop }
    }

    public struct Result: Equatable, Sendable {
        /// The chosen frontier index: measured drop ≤ the target.
        public let index: Int
        public let drop: Double
        /// Every measurement made, in order.
        public let probes: [Probe]
    }

    /// No measured point met the target.
    public struct NothingPasses: Error, Equatable, CustomStringConvertible {
        public let maxDrop: Double
        public let best: Probe
        public let probes: [Probe]
        public var description: String {
            "no plan on the frontier keeps the measured top-1 drop within \(fmt(maxDrop)) points: the best measured drop is \(fmt(best.drop)) points (frontier point \(best.index), \(probes.count) measured)"
        }
    }

    /// The smallest frontier index whose measured drop is ≤ `maxDrop`, found by bisection:
    /// the largest (most accurate) point is measured first; if it fails, `NothingPasses` names the
    /// best drop measured. Otherwise bisection keeps `hi` passing and `lo` failing (or −1), so
    /// O(log count) measurements. It assumes the drop is non-increasing along the frontier; when
    /// that does not hold the answer still passes (it was measured), but a smaller passing point
    /// may have been skipped. Each index is measured at most once.
    public static func smallestPassing(count: Int, maxDrop: Double, tolerance: Double = 1e-9,
                                       measure: (Int) throws -> Double) throws -> Result {
        precondition(count > 0, "empty frontier")
        var probes: [Probe] = []
        var cache: [Int: Double] = [:]
        func drop(_ i: Int) throws -> Double {
            if let d = cache[i] { return d }
            let d = try measure(i)
            cache[i] = d
            probes.append(Probe(index: i, drop: d))
            return d
        }
        func passes(_ d: Double) -> Bool { d.isFinite && d <= maxDrop + tolerance }
        var hi = count - 1
        guard passes(try drop(hi)) else {
            let best = probes.min { a, b in (a.drop.isFinite ? a.drop : .infinity) < (b.drop.isFinite ? b.drop : .infinity) }!
            throw NothingPasses(maxDrop: maxDrop, best: best, probes: probes)
        }
        var lo = -1
        while hi - lo > 1 {
            let mid = lo + (hi - lo) / 2
            if passes(try drop(mid)) { hi = mid } else { lo = mid }
        }
        return Result(index: hi, drop: cache[hi]!, probes: probes)
    }

    /// Up to `count` indices spread evenly in cost along a cost-sorted frontier: for each of
    /// `count` equally spaced target costs from the cheapest to the dearest point, the dearest point
    /// not above the target. Ascending, no duplicates; always includes both ends when count ≥ 2.
    public static func spread(costs: [Double], count: Int) -> [Int] {
        guard let first = costs.first, let last = costs.last, count > 0 else { return [] }
        if count == 1 || costs.count == 1 { return [costs.count - 1] }
        var out: [Int] = []
        for k in 0..<count {
            let target = first + (last - first) * Double(k) / Double(count - 1)
            // Dearest point with cost ≤ target (binary search; costs ascending).
            var lo = 0, hi = costs.count - 1
            while lo < hi { let mid = (lo + hi + 1) / 2; if costs[mid] <= target * (1 + 1e-12) { lo = mid } else { hi = mid - 1 } }
            if out.last != lo { out.append(lo) }
        }
        return out
    }

    /// Refinement candidates at a budget: the dearest frontier point that fits, then walking down
    /// the frontier, every point at least `minimumGap` cheaper than the last one taken, until
    /// `count` are taken. Indices in descending cost.
    public static func belowBudget(costs: [Double], budget: Double, count: Int, minimumGap: Double) -> [Int] {
        guard count > 0 else { return [] }
        guard var i = costs.lastIndex(where: { AllocationProblem.fits($0, budget: budget) }) else { return [] }
        var out = [i]
        while out.count < count, i > 0 {
            i -= 1
            if costs[out.last!] - costs[i] >= minimumGap { out.append(i) }
        }
        return out
    }
}

private func fmt(_ v: Double) -> String {
    guard v.isFinite else { return v.isNaN ? "nan" : "inf" }
    return String(Double((v * 100).rounded() / 100))
}
