/// A strategy that picks one option per layer within a budget.
///
/// Contract shared by all implementations:
/// - pure and deterministic: the result depends only on the problem and budget;
/// - the result respects the budget (`AllocationProblem.fits`);
/// - a NaN budget throws `AllocationError.invalidBudget`, a budget below
///   `problem.minimumCost` throws `AllocationError.infeasible(minimum:)`;
/// - single-option (pinned) layers keep their option.
public protocol Allocator: Sendable {
    /// Registry name ("greedy", "dp", "bsq", "uniform").
    var name: String { get }
    func allocate(_ problem: AllocationProblem, budget: Double) throws -> Allocation
}
