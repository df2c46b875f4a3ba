/// Greedy descent from full precision, then an optional refill.
///
/// Algorithm:
/// 1. Restrict every layer to its non-dominated options (no other option costs
///    no more and scores no worse) and start each layer at its most expensive
///    one, which is also its lowest-score one.
/// 2. While over budget, apply the cheapest move in "damage per unit saved": over
///    all layers and all of that layer's *cheaper* options (not only the adjacent
///    one), pick the move minimizing Δscore / Δcost. Ties: lower layer index,
///    then the larger saving.
/// 3. Refill (on by default): the last descent step may overshoot the target,
///    so spend the leftover budget by repeatedly taking the upgrade with the
///    largest score decrease per unit of extra cost that still fits.
///
/// Why: this is the classic marginal-utility heuristic (HAWQ-style sensitivity
/// ordering driven by the actual cost of each layer). It is optimal when every
/// layer's (cost, score) curve is convex and costs are fine-grained, and is a
/// good, fast baseline otherwise; `DPAllocator` gives the exact optimum.
///
/// Complexity: O(L·B log B) to prepare, then at most Σ_l B_l moves in each phase,
/// each scanning O(L·B) candidates: O(L²·B²) worst case (~10⁶ steps for
/// 100 layers × 9 options).
public struct GreedyAllocator: Allocator {
    public var name: String { "greedy" }
    /// Whether to run the refill pass (step 3).
    public var refill: Bool

    public init(refill: Bool = true) {
        self.refill = refill
    }

    public func allocate(_ problem: AllocationProblem, budget: Double) throws -> Allocation {
        try problem.checkBudget(budget)
        let allowed = problem.layers.map(\.paretoIndices)
        var choices = allowed.map { $0.last! }
        CostMoves.lowerUntilFits(problem, choices: &choices, allowed: allowed, budget: budget)
        if refill {
            CostMoves.refill(problem, choices: &choices, allowed: allowed, budget: budget)
        }
        return problem.allocation(choices: choices)
    }
}
