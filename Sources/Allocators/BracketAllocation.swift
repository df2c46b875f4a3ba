/// The best plan between two uniform bit-widths.
///
/// The additive model behind `dp` is only a model: on ResNet-20 at 4.0 bits its optimum
/// (layers spread over 2–8 bits) measures below uniform 4-bit, which — with 8-bit first/last
/// layers — is 4.016 bits and does not fit. A plan that stays next to a uniform one keeps
/// the interactions the additive model ignores small. `bracketed` solves the same knapsack
/// with every free layer restricted to two option indices `low` and `high` (e.g. 3 and 4
/// bits), so the answer is "uniform `high`, with the layers that hurt least per byte saved
/// lowered to `low` until the budget holds" — optimal for the additive model within that
/// neighbourhood. Pinned layers keep their one option.
///
/// Complexity: that of `DPAllocator` on a problem with ≤ 2 options per layer.
public enum BracketAllocation {
    /// Returns nil when `low`/`high` is not an option of some free layer or nothing fits.
    /// `choices` of the result index the original problem's options.
    public static func best(_ problem: AllocationProblem, low: Int, high: Int, budget: Double) -> Allocation? {
        var keep: [[Int]] = []
        var layers: [AllocationLayer] = []
        for layer in problem.layers {
            let idx = layer.isPinned ? [0] : [low, high]
            guard idx.allSatisfy({ layer.options.indices.contains($0) }) else { return nil }
            keep.append(idx)
            layers.append(AllocationLayer(name: layer.name, options: idx.map { layer.options[$0] }))
        }
        guard let sub = try? AllocationProblem(layers: layers),
              let a = try? DPAllocator().allocate(sub, budget: budget) else { return nil }
        return problem.allocation(choices: a.choices.enumerated().map { keep[$0.offset][$0.element] })
    }
}
