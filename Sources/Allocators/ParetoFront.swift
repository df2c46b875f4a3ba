/// Exact Pareto-front dynamic programme over layers, with backpointers.
///
/// State after layer l: every non-dominated (total cost, total score) pair
/// reachable by choosing options in layers 0…l, sorted by cost ascending with
/// strictly decreasing score. Layer l+1 is merged in by shifting the previous
/// front by each of its (non-dominated) options — each shift is still sorted —
/// and merging the B shifted lists pairwise in a balanced tree, dropping
/// dominated points after every pairwise merge (a point dominated in a subset of
/// candidates is dominated in the union, so early filtering is exact).
///
/// Exactness: no costs are discretized; totals are summed in layer order exactly
/// as `AllocationProblem.allocation(choices:)` does, so the front's numbers are
/// the allocations' numbers bit for bit.
///
/// Complexity: with F_l the front size after layer l, merging layer l+1 costs
/// O(F_l · B · log B) time; memory is O(Σ_l F_l) backpointers. F_l is at most
/// the number of distinct reachable costs (≤ Π B), and in practice stays far
/// smaller because most combinations are dominated.
///
/// Optional pruning (`maxFrontSize`): when a merged front exceeds the cap it is
/// thinned on a cost grid of step (c_max − c_min) / cap, keeping the cheapest
/// and the lowest-score point and, walking up in cost, each point at least one
/// step above the last one kept. The result is then approximate — for any
/// budget the answer may lose what the dropped points would have gained, at
/// most one grid step of budget per pruned layer — but the cheapest point always
/// survives, so feasibility is never lost.
struct ParetoFront {
    struct Point {
        var cost: Double
        var score: Double
        var parent: Int32
        var option: Int32
    }

    /// Final front: costs ascending, scores strictly decreasing.
    private(set) var costs: [Double] = []
    private(set) var scores: [Double] = []
    /// Per layer, per front point: index into the previous layer's front.
    private var parents: [[Int32]] = []
    /// Per layer, per front point: chosen option index.
    private var optionsChosen: [[Int32]] = []

    init(_ problem: AllocationProblem, maxFrontSize: Int?) {
        var front = [Point(cost: 0, score: 0, parent: -1, option: -1)]
        parents.reserveCapacity(problem.layerCount)
        optionsChosen.reserveCapacity(problem.layerCount)
        for layer in problem.layers {
            var lists: [[Point]] = layer.paretoIndices.map { o in
                let option = layer.options[o]
                var shifted = [Point]()
                shifted.reserveCapacity(front.count)
                for (i, p) in front.enumerated() {
                    shifted.append(Point(cost: p.cost + option.cost, score: p.score + option.score,
                                         parent: Int32(i), option: Int32(o)))
                }
                return shifted
            }
            // Balanced pairwise merge; left operands win exact ties (determinism).
            if lists.count == 1 { lists[0] = Self.filter(lists[0]) }
            while lists.count > 1 {
                var next = [[Point]]()
                next.reserveCapacity((lists.count + 1) / 2)
                var i = 0
                while i < lists.count {
                    next.append(i + 1 < lists.count ? Self.merge(lists[i], lists[i + 1]) : Self.filter(lists[i]))
                    i += 2
                }
                lists = next
            }
            front = lists[0]
            if let cap = maxFrontSize, front.count > max(cap, 2) { front = Self.thin(front, cap: max(cap, 2)) }
            parents.append(front.map(\.parent))
            optionsChosen.append(front.map(\.option))
        }
        costs = front.map(\.cost)
        scores = front.map(\.score)
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

    /// Appends `p` to a front under construction whose candidates arrive in
    /// non-decreasing cost order: keeps it only if it beats the best score so
    /// far, replacing the last point when the costs tie.
    @inline(__always)
    private static func push(_ p: Point, into out: inout [Point]) {
        if let last = out.last {
            guard p.score < last.score else { return }
            if p.cost == last.cost { out[out.count - 1] = p } else { out.append(p) }
        } else {
            out.append(p)
        }
    }

    /// Non-dominated merge of two cost-sorted lists. O(|a| + |b|).
    private static func merge(_ a: [Point], _ b: [Point]) -> [Point] {
        var out = [Point]()
        out.reserveCapacity(max(a.count, b.count))
        var i = 0, j = 0
        while i < a.count || j < b.count {
            let takeA: Bool
            if i == a.count { takeA = false }
            else if j == b.count { takeA = true }
            else {
                let x = a[i], y = b[j]
                takeA = x.cost < y.cost || (x.cost == y.cost && x.score <= y.score)
            }
            if takeA { push(a[i], into: &out); i += 1 } else { push(b[j], into: &out); j += 1 }
        }
        return out
    }

    /// Re-filters one cost-sorted list (shifting can create float ties).
    private static func filter(_ a: [Point]) -> [Point] {
        var out = [Point]()
        out.reserveCapacity(a.count)
        for p in a { push(p, into: &out) }
        return out
    }

    /// Cost-grid thinning; see the type's documentation.
    private static func thin(_ front: [Point], cap: Int) -> [Point] {
        let lo = front.first!.cost, hi = front.last!.cost
        let step = (hi - lo) / Double(cap)
        var out = [front[0]]
        for p in front.dropFirst().dropLast() where p.cost - out.last!.cost >= step {
            out.append(p)
        }
        out.append(front.last!)
        return out
    }
}
