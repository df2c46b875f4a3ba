/// Everything that can go wrong when building a problem or allocating.
/// `description` is a single line meant for end users.
public enum AllocationError: Error, Hashable, Sendable, CustomStringConvertible {
    /// The problem has no layers.
    case noLayers
    /// A layer has no options.
    case emptyLayer(layer: Int, name: String)
    /// A cost is NaN, infinite or negative.
    case invalidCost(layer: Int, option: Int, value: Double)
    /// A score is NaN or infinite.
    case invalidScore(layer: Int, option: Int, value: Double)
    /// A bit-width is NaN, infinite or negative.
    case invalidBits(layer: Int, option: Int, value: Double)
    /// The budget is NaN.
    case invalidBudget(Double)
    /// The budget is below the cheapest possible allocation.
    case infeasible(minimum: Double)
    /// `UniformAllocator` found no label shared by all non-pinned layers that
    /// fits the budget. `cheapest` is the cost of the cheapest uniform choice,
    /// nil when the layers share no label at all.
    case noUniformChoice(budget: Double, cheapest: Double?)
    /// `Allocators.named(_:)` got an unknown name.
    case unknownAllocator(name: String, valid: [String])

    public var description: String {
        switch self {
        case .noLayers:
            return "allocation problem has no layers"
        case let .emptyLayer(layer, name):
            return "layer \(layer) (\(name)) has no options; give it at least one (a single option pins it)"
        case let .invalidCost(layer, option, value):
            return "layer \(layer) option \(option): cost \(formatNumber(value)) is not a finite non-negative number"
        case let .invalidScore(layer, option, value):
            return "layer \(layer) option \(option): score \(formatNumber(value)) is not a finite number"
        case let .invalidBits(layer, option, value):
            return "layer \(layer) option \(option): bits \(formatNumber(value)) is not a finite non-negative number"
        case let .invalidBudget(value):
            return "budget \(formatNumber(value)) is not a number"
        case let .infeasible(minimum):
            return "budget is infeasible: the cheapest allocation (every layer at its cheapest option) costs \(formatNumber(minimum))"
        case let .noUniformChoice(budget, cheapest):
            if let cheapest {
                return "no single option fits budget \(formatNumber(budget)) for every layer; the cheapest uniform choice costs \(formatNumber(cheapest))"
            }
            return "the non-pinned layers share no option label, so no uniform allocation exists"
        case let .unknownAllocator(name, valid):
            return "unknown allocator '\(name)'; valid names: \(valid.joined(separator: ", "))"
        }
    }
}
