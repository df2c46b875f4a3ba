/// Exact allocator for the additive model: minimum total score subject to total
/// cost ≤ budget.
///
/// Modes:
/// - `.pareto(maxFrontSize:)` (default, exact): builds the Pareto front of
///   (total cost, total score) layer by layer with backpointers (see
///   `ParetoFront`) and returns the lowest-score point that fits. Exact whatever
///   the costs' resolution. For a single budget the front is also pruned with
///   exact bounds (points that cannot fit, cannot beat `GreedyAllocator`'s
///   answer, or fit with any completion), which keeps it small. Time
///   O(Σ_l F_l·B) merge steps, memory O(Σ_l F_l), F_l the front size after
///   layer l (100 layers × 9 options: tens of ms in release). A non-nil
///   `maxFrontSize` thins large fronts on a cost grid, trading exactness for a
///   bound on F (documented on `ParetoFront`).
/// - `.knapsack(resolution:)`: the classic multiple-choice knapsack DP over a
///   discretized budget. The budget is split into R = `resolution` units of
///   u = budget / R and every option's cost is rounded *up* to whole units, so
///   the answer always fits the true budget, and it is optimal among all
///   allocations whose true cost is ≤ budget − L·u (rounding loses < 1 unit per
///   layer). Time O(L·B·R), memory O(L·R). Falls back to the Pareto mode when the
///   budget is zero or infinite, or when rounding makes even the cheapest
///   allocation exceed R units.
///
/// `frontier(_:)` always uses the Pareto construction (with this allocator's
/// `maxFrontSize` in Pareto mode, exact in knapsack mode) and is what a search
/// with an accuracy target scans: the cheapest frontier point whose score is
/// good enough is the cheapest allocation meeting the target.
public struct DPAllocator: Allocator {
    public enum Mode: Hashable, Sendable {
        case pareto(maxFrontSize: Int?)
        case knapsack(resolution: Int)
    }

    public var name: String { "dp" }
    public var mode: Mode

    public init(mode: Mode = .pareto(maxFrontSize: nil)) {
        self.mode = mode
    }

    public func allocate(_ problem: AllocationProblem, budget: Double) throws -> Allocation {
        try problem.checkBudget(budget)
        switch mode {
        case let .pareto(cap):
            return paretoAllocate(problem, budget: budget, cap: cap)
        case let .knapsack(resolution):
            if let result = knapsackAllocate(problem, budget: budget, resolution: resolution) {
                return result
            }
            return paretoAllocate(problem, budget: budget, cap: nil)
        }
    }

    /// Every non-dominated allocation, sorted by total cost ascending (total
    /// scores then strictly decrease). The first entry is the cheapest
    /// allocation with the lowest score among equally cheap ones; the last is the
    /// lowest-score allocation overall. Time O(Σ_l F_l·B + F·L), no budget
    /// pruning: ≈ 10⁵ points and well under a second for 100 layers × 9 byte-cost
    /// options in release; pass `maxFrontSize` for bigger problems.
    public func frontier(_ problem: AllocationProblem) -> [Allocation] {
        let front = ParetoFront(problem, maxFrontSize: frontCap)
        return (0..<front.count).map { problem.allocation(choices: front.choices(at: $0)) }
    }

    private var frontCap: Int? {
        if case let .pareto(cap) = mode { return cap }
        return nil
    }

    private func paretoAllocate(_ problem: AllocationProblem, budget: Double, cap: Int?) -> Allocation {
        // Greedy's answer is a feasible incumbent that lets the front drop points
        // that cannot beat it (exact pruning, see ParetoFront.init).
        let incumbent = try! GreedyAllocator().allocate(problem, budget: budget)
        let front = ParetoFront(problem, maxFrontSize: cap,
                                target: .init(budget: budget, incumbentScore: incumbent.totalScore))
        // checkBudget guarantees the cheapest point (always kept) fits.
        let index = front.bestIndex(within: budget)!
        return problem.allocation(choices: front.choices(at: index))
    }

    /// Multiple-choice knapsack over `resolution` budget units; nil when the
    /// discretization cannot be used (see the type's documentation).
    private func knapsackAllocate(_ problem: AllocationProblem, budget: Double, resolution: Int) -> Allocation? {
        guard budget.isFinite, budget > 0, resolution > 0 else { return nil }
        let r = resolution
        let unit = budget / Double(r)
        // Rounded-up unit costs; options costing more than the whole budget are unusable.
        let units: [[Int]] = problem.layers.map { layer in
            layer.options.map { o in
                let u = (o.cost / unit).rounded(.up)
                return u > Double(r) ? r + 1 : Int(u)
            }
        }
        // best[c] = lowest score of layers 0…l using at most c units.
        var best = [Double](repeating: 0, count: r + 1)
        var next = [Double](repeating: 0, count: r + 1)
        var pick = [[Int32]]()
        pick.reserveCapacity(problem.layerCount)
        for (l, layer) in problem.layers.enumerated() {
            var choice = [Int32](repeating: -1, count: r + 1)
            for c in 0...r {
                var value = Double.infinity
                var arg: Int32 = -1
                for (o, option) in layer.options.enumerated() {
                    let u = units[l][o]
                    guard u <= c, best[c - u] < .infinity else { continue }
                    let v = best[c - u] + option.score
                    if v < value { value = v; arg = Int32(o) }
                }
                next[c] = value
                choice[c] = arg
            }
            swap(&best, &next)
            pick.append(choice)
        }
        guard best[r] < .infinity else { return nil }
        var choices = [Int](repeating: 0, count: problem.layerCount)
        var c = r
        for l in stride(from: problem.layerCount - 1, through: 0, by: -1) {
            let o = Int(pick[l][c])
            choices[l] = o
            c -= units[l][o]
        }
        return problem.allocation(choices: choices)
    }
}
