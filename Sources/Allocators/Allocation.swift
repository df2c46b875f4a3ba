/// The result of an allocator: one option index per layer and the totals.
/// Build it with `AllocationProblem.allocation(choices:)` so the totals are
/// summed the canonical way.
public struct Allocation: Hashable, Sendable, Codable {
    /// `choices[l]` indexes `problem.layers[l].options`.
    public let choices: [Int]
    /// Σ_l cost of the chosen option, summed in layer order.
    public let totalCost: Double
    /// Σ_l score of the chosen option, summed in layer order.
    public let totalScore: Double

    init(choices: [Int], totalCost: Double, totalScore: Double) {
        self.choices = choices
        self.totalCost = totalCost
        self.totalScore = totalScore
    }

    /// The chosen option of every layer.
    public func options(in problem: AllocationProblem) -> [AllocationOption] {
        zip(problem.layers, choices).map { $0.options[$1] }
    }

    /// The chosen option's label for every layer.
    public func labels(in problem: AllocationProblem) -> [String] {
        options(in: problem).map(\.label)
    }
}
