/// Exact Pareto-front dynamic programme over layers, with backpointers.
///
/// State after layer l: every non-dominated (total cost, total score) pair
/// reachable by choosing options in layers 0…l, sorted by cost ascending with
/// strictly decreasing score. Layer l+1 is merged in by shifting the previous
/// front by each of its non-dominated options — each shift is still sorted —
/// and sweeping the B shifted lists in one k-way merge that keeps a candidate
/// only if it scores strictly better than everything cheaper (on equal cost the
/// lower score wins). Stretches of a shifted list that are already dominated
/// are skipped by galloping search.
///
/// Exactness: no costs are discretized; totals are summed in layer order exactly
/// as `AllocationProblem.allocation(choices:)` does, so the front's numbers are
/// the allocations' numbers bit for bit. Exact ties are broken towards the lower
/// option index, so the front is deterministic.
///
/// Complexity: with F_l the front size after layer l, merging layer l+1 costs
/// O(K·B) where K ≤ F_l·B is the number of heads taken (close to F_{l+1} in
/// practice thanks to the skipping), plus O(log) per skip; memory is
/// O(Σ_l F_l) backpointers. F_l is at most the number of distinct reachable
/// costs (≤ Π B); with byte costs it grows roughly linearly with depth
/// (≈ 10⁵ points after 100 layers × 9 options, built in ≈ 0.1–0.2 s in release).
///
/// Optional pruning (`maxFrontSize`): when a merged front exceeds the cap it is
/// thinned on a cost grid of step (c_max − c_min) / cap, keeping the cheapest
/// and the lowest-score point and, walking up in cost, each point at least one
/// step above the last one kept. The result is then approximate — for any
/// budget the answer may lose what the dropped points would have gained, at
/// most one grid step of budget per pruned layer — but the cheapest point always
/// survives, so feasibility is never lost.
struct ParetoFront {
    /// Final front: costs ascending, scores strictly decreasing.
    let costs: [Double]
    let scores: [Double]
    /// Per layer, per front point: index into the previous layer's front.
    private let parents: [[Int32]]
    /// Per layer, per front point: chosen option index.
    private let optionsChosen: [[Int32]]

    /// Exact bound-based pruning when only one budget matters (see `init`).
    struct Target {
        /// The budget the final point must fit.
        var budget: Double
        /// Total score of a known feasible allocation (e.g. greedy's).
        var incumbentScore: Double
    }

    /// Builds the front. With `target`, points that cannot lead to the best
    /// allocation for that one budget are dropped after each layer — exactly,
    /// using bounds over the remaining layers r (only their non-dominated
    /// options count):
    /// - cost + Σ_r min cost > budget: no completion fits (drops a suffix);
    /// - score + Σ_r min score > incumbent: no completion beats a known feasible
    ///   allocation (drops a prefix, scores decrease along the front);
    /// - cost + Σ_r max cost ≤ budget: every completion fits, so of those points
    ///   only the lowest-score one (the last) matters (collapses a prefix).
    /// Bounds carry a 1e-12 relative margin so float rounding in the later sums
    /// can never prune an optimum. The result is then only valid for that budget.
    init(_ problem: AllocationProblem, maxFrontSize: Int?, target: Target? = nil) {
        var front = Run(capacity: 1)
        front.push(0, 0, -1, -1)
        var parents: [[Int32]] = [], optionsChosen: [[Int32]] = []
        parents.reserveCapacity(problem.layerCount)
        optionsChosen.reserveCapacity(problem.layerCount)
        let bounds = target.map { Bounds(problem, $0) }
        for (l, layer) in problem.layers.enumerated() {
            // One cost-sorted source per non-dominated option: the previous front
            // shifted by that option, merged in one k-way sweep.
            let sources: [Source] = layer.paretoIndices.map { o in
                Source(view: front, cost: layer.options[o].cost, score: layer.options[o].score, option: Int32(o))
            }
            var merged = Self.kWayMerge(sources)
            if let bounds { merged = bounds.prune(merged, after: l) }
            if let cap = maxFrontSize, merged.count > max(cap, 2) { merged = Self.thin(merged, cap: max(cap, 2)) }
            parents.append(merged.parentArray)
            optionsChosen.append(merged.optionArray)
            front = merged
        }
        self.parents = parents
        self.optionsChosen = optionsChosen
        costs = front.costArray
        scores = front.scoreArray
    }

    var count: Int { costs.count }

    /// Option index per layer for final front point `index`. O(L).
    func choices(at index: Int) -> [Int] {
        var result = [Int](repeating: 0, count: parents.count)
        var i = index
        for l in stride(from: parents.count - 1, through: 0, by: -1) {
            result[l] = Int(optionsChosen[l][i])
            i = Int(parents[l][i])
        }
        return result
    }

    /// Index of the lowest-score point that fits `budget` (the most expensive
    /// fitting one), or nil. O(log F).
    func bestIndex(within budget: Double) -> Int? {
        var lo = 0, hi = costs.count // first index that does not fit
        while lo < hi {
            let mid = (lo + hi) / 2
            if AllocationProblem.fits(costs[mid], budget: budget) { lo = mid + 1 } else { hi = mid }
        }
        return lo == 0 ? nil : lo - 1
    }

    /// Non-dominated k-way merge of cost-sorted sources. Each step takes the
    /// head with the smallest (cost, score, source index); a head whose score is
    /// no better than the best kept so far is dominated together with the whole
    /// stretch of its source that follows until the score drops below that best
    /// (the best only decreases), so that stretch is skipped by galloping
    /// search. O(K·B) with K the heads taken, K ≤ Σ |sources|, and in practice
    /// close to the merged front's size.
    private static func kWayMerge(_ sources: [Source]) -> Run {
        let m = sources.count
        var capacity = 0
        for s in sources { capacity += s.count }
        let out = Run(capacity: capacity)
        var head = [Int](repeating: 0, count: m)
        var headCost = [Double](repeating: .infinity, count: m)
        var headScore = [Double](repeating: .infinity, count: m)
        for k in 0..<m where sources[k].count > 0 {
            headCost[k] = sources[k].cost(0); headScore[k] = sources[k].score(0)
        }
        var best = Double.infinity
        while true {
            var k = -1
            var c = Double.infinity, s = Double.infinity
            for t in 0..<m where head[t] < sources[t].count {
                let ct = headCost[t], st = headScore[t]
                if k < 0 || ct < c || (ct == c && st < s) { k = t; c = ct; s = st }
            }
            guard k >= 0 else { break }
            let src = sources[k]
            var i = head[k]
            if s < best {
                out.push(c, s, src.parent(i), src.option(i))
                best = out.lastScore
                i += 1
            } else {
                i = src.firstBelow(best, from: i)
            }
            head[k] = i
            if i < src.count { headCost[k] = src.cost(i); headScore[k] = src.score(i) }
        }
        return out
    }

    /// Cost-grid thinning; see the type's documentation.
    private static func thin(_ front: Run, cap: Int) -> Run {
        let n = front.count
        let step = (front.costs[n - 1] - front.costs[0]) / Double(cap)
        var kept = [0]
        for i in 1..<(n - 1) where front.costs[i] - front.costs[kept.last!] >= step { kept.append(i) }
        kept.append(n - 1)
        return front.subset(kept)
    }

    /// Suffix sums over the remaining layers for `Target` pruning.
    private struct Bounds {
        let minCostAfter: [Double], maxCostAfter: [Double], minScoreAfter: [Double]
        let budgetLimit: Double, costMargin: Double
        let scoreLimit: Double, scoreMargin: Double

        init(_ problem: AllocationProblem, _ target: Target) {
            let n = problem.layerCount
            var minC = [Double](repeating: 0, count: n), maxC = minC, minS = minC
            var scoreScale = abs(target.incumbentScore)
            for l in stride(from: n - 2, through: -1, by: -1) {
                let next = problem.layers[l + 1]
                let idx = next.paretoIndices
                let cheapest = next.options[idx.first!], best = next.options[idx.last!]
                if l >= 0 {
                    minC[l] = minC[l + 1] + cheapest.cost
                    maxC[l] = maxC[l + 1] + best.cost
                    minS[l] = minS[l + 1] + best.score
                }
                scoreScale += abs(best.score) + abs(cheapest.score)
            }
            minCostAfter = minC; maxCostAfter = maxC; minScoreAfter = minS
            budgetLimit = target.budget + AllocationProblem.budgetSlack * abs(target.budget)
            costMargin = 1e-12 * max(abs(budgetLimit), problem.maximumCost, 1e-300)
            scoreLimit = target.incumbentScore
            scoreMargin = 1e-12 * max(scoreScale, 1e-300)
        }

        func prune(_ front: Run, after l: Int) -> Run {
            // Infinite budget: every completion fits, only the lowest score matters.
            guard budgetLimit.isFinite else { return front.subset([front.count - 1]) }
            let c = front.costs, s = front.scores
            var end = front.count
            while end > 1, c[end - 1] + minCostAfter[l] > budgetLimit + costMargin { end -= 1 }
            var start = 0
            while start < end - 1, s[start] + minScoreAfter[l] > scoreLimit + scoreMargin { start += 1 }
            while start < end - 1, c[start + 1] + maxCostAfter[l] <= budgetLimit - costMargin { start += 1 }
            if start == 0, end == front.count { return front }
            return front.subset(Array(start..<end))
        }
    }
}

/// A front under construction, structure-of-arrays in manually managed
/// buffers (the merge is the DP's hot loop).
private final class Run {
    let costs: UnsafeMutablePointer<Double>
    let scores: UnsafeMutablePointer<Double>
    let parents: UnsafeMutablePointer<Int32>
    let options: UnsafeMutablePointer<Int32>
    private(set) var count = 0
    let capacity: Int

    init(capacity: Int) {
        self.capacity = max(capacity, 1)
        costs = .allocate(capacity: self.capacity)
        scores = .allocate(capacity: self.capacity)
        parents = .allocate(capacity: self.capacity)
        options = .allocate(capacity: self.capacity)
    }

    deinit {
        costs.deallocate(); scores.deallocate(); parents.deallocate(); options.deallocate()
    }

    /// Appends a candidate arriving in non-decreasing cost order: kept only if
    /// it beats the best score so far, replacing the last point on a cost tie.
    @inline(__always)
    func push(_ c: Double, _ s: Double, _ p: Int32, _ o: Int32) {
        var k = count
        if k > 0 {
            guard s < scores[k - 1] else { return }
            if c == costs[k - 1] { k -= 1 }
        }
        costs[k] = c; scores[k] = s; parents[k] = p; options[k] = o
        count = k + 1
    }

    var lastScore: Double { scores[count - 1] }

    func subset(_ indices: [Int]) -> Run {
        let out = Run(capacity: indices.count)
        for i in indices { out.push(costs[i], scores[i], parents[i], options[i]) }
        return out
    }

    var costArray: [Double] { Array(UnsafeBufferPointer(start: costs, count: count)) }
    var scoreArray: [Double] { Array(UnsafeBufferPointer(start: scores, count: count)) }
    var parentArray: [Int32] { Array(UnsafeBufferPointer(start: parents, count: count)) }
    var optionArray: [Int32] { Array(UnsafeBufferPointer(start: options, count: count)) }
}

/// A cost-sorted input to a merge: either the previous layer's front shifted by
/// one option (parent = position, option constant) or an already merged run.
private struct Source {
    let run: Run
    let shiftCost: Double
    let shiftScore: Double
    let fixedOption: Int32 // -1: read the run's own parent/option
    var count: Int { run.count }

    init(view front: Run, cost: Double, score: Double, option: Int32) {
        run = front; shiftCost = cost; shiftScore = score; fixedOption = option
    }

    init(run: Run) {
        self.run = run; shiftCost = 0; shiftScore = 0; fixedOption = -1
    }

    /// First index ≥ `start` whose score is below `best` (scores are
    /// non-increasing), found by galloping then bisection: O(log gap).
    @inline(__always)
    func firstBelow(_ best: Double, from start: Int) -> Int {
        let n = count
        guard start < n, score(start) >= best else { return start }
        var lo = start, step = 1 // score(lo) >= best
        var hi = start + 1
        while hi < n, score(hi) >= best {
            lo = hi
            step &*= 2
            hi = lo + step
        }
        if hi > n { hi = n }
        // score(lo) >= best; hi == n or score(hi) < best
        while hi - lo > 1 {
            let mid = (lo + hi) / 2
            if score(mid) >= best { lo = mid } else { hi = mid }
        }
        return hi
    }

    @inline(__always) func cost(_ i: Int) -> Double { fixedOption < 0 ? run.costs[i] : run.costs[i] + shiftCost }
    @inline(__always) func score(_ i: Int) -> Double { fixedOption < 0 ? run.scores[i] : run.scores[i] + shiftScore }
    @inline(__always) func parent(_ i: Int) -> Int32 { fixedOption < 0 ? run.parents[i] : Int32(i) }
    @inline(__always) func option(_ i: Int) -> Int32 { fixedOption < 0 ? run.options[i] : fixedOption }
}
