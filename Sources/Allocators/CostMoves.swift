/// Single-layer moves shared by `GreedyAllocator` (descent and refill) and
/// `BSQAllocator` (repairing a rounded solution that overshoots the budget).
///
/// A move changes one layer's option. `allowed[l]` lists the option indices layer
/// `l` may move to. Ties are broken deterministically: lower layer index first,
/// then (within a layer) the larger cost change, then the lower option index.
enum CostMoves {
    /// Repeatedly applies the move to a cheaper option with the smallest score
    /// increase per unit of cost saved, (Δscore / Δcost, which may be negative),
    /// until the allocation fits `budget`.
    ///
    /// Each move strictly lowers one layer's cost, so there are at most Σ_l B_l
    /// moves, each scanning O(L·B) candidates: O(L²·B²) worst case.
    /// Precondition: the all-cheapest choice among `allowed` fits the budget
    /// (checked by the callers via `checkBudget`, with every layer's cheapest
    /// option allowed).
    static func lowerUntilFits(_ problem: AllocationProblem, choices: inout [Int],
                               allowed: [[Int]], budget: Double) {
        var total = problem.allocation(choices: choices).totalCost
        while !AllocationProblem.fits(total, budget: budget) {
            var best: (layer: Int, option: Int, ratio: Double, saving: Double)? = nil
            for (l, layer) in problem.layers.enumerated() {
                let current = layer.options[choices[l]]
                for j in allowed[l] {
                    let o = layer.options[j]
                    let saving = current.cost - o.cost
                    guard saving > 0 else { continue }
                    let ratio = (o.score - current.score) / saving
                    if let b = best {
                        if ratio < b.ratio || (ratio == b.ratio && b.layer == l && saving > b.saving) {
                            best = (l, j, ratio, saving)
                        }
                    } else {
                        best = (l, j, ratio, saving)
                    }
                }
            }
            guard let move = best else {
                preconditionFailure("no cheaper option left but the budget still does not hold")
            }
            choices[move.layer] = move.option
            total = problem.allocation(choices: choices).totalCost
        }
    }

    /// Spends leftover budget: repeatedly applies the move to a more expensive
    /// option that lowers the score and still fits, choosing the largest score
    /// decrease per unit of extra cost, until no such move exists.
    ///
    /// Each move strictly raises one layer's cost: at most Σ_l B_l moves of
    /// O(L·B) each, O(L²·B²) worst case.
    static func refill(_ problem: AllocationProblem, choices: inout [Int],
                       allowed: [[Int]], budget: Double) {
        var total = problem.allocation(choices: choices).totalCost
        // Moves rejected because the exactly re-summed total overshoots by an ulp.
        var rejected = Set<[Int]>()
        while true {
            var best: (layer: Int, option: Int, gain: Double, extra: Double)? = nil
            for (l, layer) in problem.layers.enumerated() {
                let current = layer.options[choices[l]]
                for j in allowed[l] {
                    let o = layer.options[j]
                    let extra = o.cost - current.cost
                    let decrease = current.score - o.score
                    guard extra > 0, decrease > 0,
                          AllocationProblem.fits(total + extra, budget: budget),
                          !rejected.contains([l, j]) else { continue }
                    let gain = decrease / extra
                    if let b = best {
                        if gain > b.gain || (gain == b.gain && b.layer == l && extra < b.extra) {
                            best = (l, j, gain, extra)
                        }
                    } else {
                        best = (l, j, gain, extra)
                    }
                }
            }
            guard let move = best else { return }
            let previous = choices[move.layer]
            choices[move.layer] = move.option
            let newTotal = problem.allocation(choices: choices).totalCost
            if AllocationProblem.fits(newTotal, budget: budget) {
                total = newTotal
                rejected.removeAll()
            } else {
                choices[move.layer] = previous
                rejected.insert([move.layer, move.option])
            }
        }
    }
}
