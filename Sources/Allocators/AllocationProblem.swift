/// A validated per-layer choice problem: pick one option per layer so that the
/// summed cost stays within a budget and the summed score is as low as possible
/// (a multiple-choice knapsack).
///
/// Validation (at init): at least one layer, at least one option per layer,
/// finite non-negative costs and bits, finite scores.
///
/// Sums are always taken in layer order starting from 0 (`allocation(choices:)`),
/// and every allocator reports totals through that one function, so totals of the
/// same choice are bit-identical whichever allocator produced them.
public struct AllocationProblem: Hashable, Sendable {
    public let layers: [AllocationLayer]

    public init(layers: [AllocationLayer]) throws {
        guard !layers.isEmpty else { throw AllocationError.noLayers }
        for (l, layer) in layers.enumerated() {
            guard !layer.options.isEmpty else { throw AllocationError.emptyLayer(layer: l, name: layer.name) }
            for (i, o) in layer.options.enumerated() {
                guard o.cost.isFinite, o.cost >= 0 else { throw AllocationError.invalidCost(layer: l, option: i, value: o.cost) }
                guard o.score.isFinite else { throw AllocationError.invalidScore(layer: l, option: i, value: o.score) }
                guard o.bits.isFinite, o.bits >= 0 else { throw AllocationError.invalidBits(layer: l, option: i, value: o.bits) }
            }
        }
        self.layers = layers
    }

    /// Layers named "layer0", "layer1", ….
    public init(options: [[AllocationOption]]) throws {
        try self.init(layers: options.enumerated().map { AllocationLayer(name: "layer\($0.offset)", options: $0.element) })
    }

    public var layerCount: Int { layers.count }

    /// Relative tolerance when comparing a cost with a budget: a cost fits when
    /// `cost <= budget + budgetSlack * |budget|`. It absorbs the last-ulp rounding
    /// of sums such as Σ 3·params/8 against a "3 bits" budget; 1e-9 is 0.1 byte in
    /// 100 MB.
    public static let budgetSlack = 1e-9

    /// Whether `cost` respects `budget` (see `budgetSlack`). Every allocator and
    /// the tests use this one comparison.
    public static func fits(_ cost: Double, budget: Double) -> Bool {
        cost <= budget + budgetSlack * abs(budget)
    }

    /// Sum over layers of the cheapest option's cost: the smallest feasible budget.
    public var minimumCost: Double {
        var total = 0.0
        for layer in layers { total += layer.options[layer.cheapestIndex].cost }
        return total
    }

    /// Sum over layers of the most expensive option's cost: every allocation fits.
    public var maximumCost: Double {
        var total = 0.0
        for layer in layers { total += layer.options.map(\.cost).max()! }
        return total
    }

    /// The allocation that picks `choices[l]` in layer `l`, with totals summed in
    /// layer order. Traps when `choices` does not index valid options.
    public func allocation(choices: [Int]) -> Allocation {
        precondition(choices.count == layers.count, "need one choice per layer")
        var cost = 0.0, score = 0.0
        for (l, c) in choices.enumerated() {
            precondition(layers[l].options.indices.contains(c), "choice \(c) out of range for layer \(l)")
            cost += layers[l].options[c].cost
            score += layers[l].options[c].score
        }
        return Allocation(choices: choices, totalCost: cost, totalScore: score)
    }

    /// The all-cheapest allocation.
    var cheapestAllocation: Allocation {
        allocation(choices: layers.map(\.cheapestIndex))
    }

    /// Throws `.invalidBudget` for NaN and `.infeasible` when even the cheapest
    /// allocation does not fit. Every allocator calls this first.
    func checkBudget(_ budget: Double) throws {
        guard !budget.isNaN else { throw AllocationError.invalidBudget(budget) }
        let minimum = minimumCost
        guard Self.fits(minimum, budget: budget) else { throw AllocationError.infeasible(minimum: minimum) }
    }
}
