/// Baseline: the same option label in every layer (e.g. 4 bits everywhere), the
/// highest-precision one that fits.
///
/// Candidate labels are those present in every non-pinned layer (a label missing
/// from some layer is skipped); pinned (single-option) layers keep their one
/// option whatever the label. When a layer lists a label twice, the lower-score
/// (then cheaper, then earlier) entry is used. Among the candidates that fit, the
/// one with the highest mean bits over the non-pinned layers wins; ties go to
/// the lower total score, then lower cost, then the label's string order. When
/// every layer is pinned the single possible allocation is returned.
///
/// Throws `.infeasible` like every allocator, and `.noUniformChoice` when the
/// budget is feasible for mixed precision but no uniform label fits (or the
/// layers share no label).
///
/// Complexity: O(L·B) to index labels plus O(U·L) to cost the U candidate
/// labels: O(L·B) overall.
public struct UniformAllocator: Allocator {
    public var name: String { "uniform" }

    public init() {}

    public func allocate(_ problem: AllocationProblem, budget: Double) throws -> Allocation {
        try problem.checkBudget(budget)
        let free = problem.layers.indices.filter { !problem.layers[$0].isPinned }
        if free.isEmpty { return problem.allocation(choices: Array(repeating: 0, count: problem.layerCount)) }

        // For each free layer: label -> preferred option index.
        let byLabel: [[String: Int]] = free.map { l in
            var map = [String: Int]()
            for (i, o) in problem.layers[l].options.enumerated() {
                if let j = map[o.label] {
                    let p = problem.layers[l].options[j]
                    if o.score < p.score || (o.score == p.score && o.cost < p.cost) { map[o.label] = i }
                } else {
                    map[o.label] = i
                }
            }
            return map
        }
        let shared = byLabel.dropFirst().reduce(Set(byLabel[0].keys)) { $0.intersection($1.keys) }
        guard !shared.isEmpty else { throw AllocationError.noUniformChoice(budget: budget, cheapest: nil) }

        var best: (allocation: Allocation, bits: Double, label: String)? = nil
        var cheapest = Double.infinity
        for label in shared.sorted() {
            var choices = Array(repeating: 0, count: problem.layerCount)
            var bits = 0.0
            for (k, l) in free.enumerated() {
                choices[l] = byLabel[k][label]!
                bits += problem.layers[l].options[choices[l]].bits
            }
            bits /= Double(free.count)
            let a = problem.allocation(choices: choices)
            cheapest = min(cheapest, a.totalCost)
            guard AllocationProblem.fits(a.totalCost, budget: budget) else { continue }
            if let b = best {
                let better = bits > b.bits
                    || (bits == b.bits && (a.totalScore < b.allocation.totalScore
                        || (a.totalScore == b.allocation.totalScore && a.totalCost < b.allocation.totalCost)))
                if better { best = (a, bits, label) }
            } else {
                best = (a, bits, label)
            }
        }
        guard let result = best else { throw AllocationError.noUniformChoice(budget: budget, cheapest: cheapest) }
        return result.allocation
    }
}
