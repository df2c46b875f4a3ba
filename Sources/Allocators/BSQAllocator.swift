/// BSQ-style allocation: bit-level group sparsity on relaxed bit-plane gates.
///
/// BSQ (Yang et al., "BSQ: Exploring Bit-Level Sparsity for Mixed-Precision
/// Neural Network Quantization", ICLR 2021) trains each layer's bit planes as
/// continuous variables under a group-Lasso penalty weighted by memory, so whole
/// planes become zero and the layer's precision drops where the loss allows.
/// Here the network is replaced by the caller's measured per-layer scores, which
/// keeps the idea (sparsify planes under a memory-weighted L1 until the budget
/// holds) while staying a pure function of (scores, costs, budget):
///
/// - Layer l gets K_l = ⌈max option bits⌉ gates g_{l,k} ∈ [0, 1] and effective
///   bits b_l = Σ_k g_{l,k}.
/// - Its damage at fractional bits is f_l(b), a monotone cubic (PCHIP)
///   interpolation of the measured (bits, score) points — the lowest score per
///   distinct bit-width — extended linearly outside the measured range.
/// - Each plane costs w_l = the least-squares slope of option cost against
///   option bits (params_l/8 bytes for a weight-storage budget), clamped ≥ 0.
/// - Objective Σ_l f_l(b_l) + λ·Σ_l Σ_k w_l·|g_{l,k}|, minimized by proximal
///   gradient descent from all gates = 1: a gradient step on f, soft-threshold
///   by step·λ·w_l, clip to [0, 1]. The step size is found by backtracking
///   (halve until the quadratic upper bound holds, then grow ×1.25), which
///   guarantees descent; iterations stop when no gate moves more than
///   `tolerance` or after `maxIterations`.
/// - The relaxed bits are rounded to the option with the nearest `bits` (ties:
///   lower score, then lower cost, then lower index).
/// - λ is bisected on log λ between a value small enough to keep full precision
///   and one large enough to zero every plane, looking for the smallest λ whose
///   rounded allocation fits. The answer is the lowest-score fitting allocation
///   seen during the search. If none fits (rounding can overshoot), the
///   rounding is repaired by repeatedly lowering the layer with the smallest
///   score increase per unit cost saved until the budget holds.
///
/// Note: with an additive score model the objective separates over layers, and
/// within a layer all gates receive the same gradient and threshold, so they
/// move together; each layer therefore descends from full precision to a local
/// minimum of f_l(b) + λ·w_l·b. This is a Lagrangian method driven from the top
/// (like BSQ's pruning of planes from full precision) rather than an exact
/// solver; it can miss the optimum when the score curves are not convex.
///
/// Deterministic: fixed start, fixed iteration rules, no randomness.
///
/// Complexity: O(I_λ · L · T · K) with I_λ = bisection steps + 3 evaluations,
/// T ≤ `maxIterations` descent steps (each with O(log B) interpolation and a
/// few backtracking halvings), K = max planes; plus O(L·B) rounding per
/// evaluation and an O(L²·B²) worst-case repair.
public struct BSQAllocator: Allocator {
    public var name: String { "bsq" }
    public var maxIterations: Int
    public var bisectionSteps: Int
    public var tolerance: Double

    public init(maxIterations: Int = 500, bisectionSteps: Int = 40, tolerance: Double = 1e-7) {
        self.maxIterations = maxIterations
        self.bisectionSteps = bisectionSteps
        self.tolerance = tolerance
    }

    public func allocate(_ problem: AllocationProblem, budget: Double) throws -> Allocation {
        try problem.checkBudget(budget)
        let layers = problem.layers.map(RelaxedLayer.init)
        var best: Allocation? = nil
        func consider(_ a: Allocation) {
            guard AllocationProblem.fits(a.totalCost, budget: budget) else { return }
            if let b = best, !(a.totalScore < b.totalScore || (a.totalScore == b.totalScore && a.totalCost < b.totalCost)) {
                return
            }
            best = a
        }
        func evaluate(_ lambda: Double) -> Allocation {
            let bits = layers.map { relax($0, lambda: lambda) }
            return problem.allocation(choices: zip(layers, bits).map { $0.nearestOption(to: $1) })
        }

        let unpenalized = evaluate(0)
        consider(unpenalized)
        if best == nil {
            // λ large enough that the penalty beats the steepest score slope everywhere.
            let ratios = layers.filter { $0.planeCost > 0 }
            let upper = 4 * (ratios.map { $0.curve.slopeBound / $0.planeCost }.max() ?? 0)
            var hi = upper > 0 ? upper : 1
            var lower = ratios.compactMap { l in l.curve.smallestSlope.map { $0 / l.planeCost } }.min() ?? hi
            lower = min(lower / 4, hi * 1e-3)
            var lo = lower
            var atHi = evaluate(hi)
            consider(atHi)
            var atLo = evaluate(lo)
            consider(atLo)
            if best != nil, AllocationProblem.fits(atLo.totalCost, budget: budget) {
                // Already fits near λ = 0.
            } else if best != nil {
                for _ in 0..<bisectionSteps where hi / lo > 1 + 1e-9 {
                    let mid = (lo * hi).squareRoot()
                    let a = evaluate(mid)
                    if AllocationProblem.fits(a.totalCost, budget: budget) {
                        hi = mid; atHi = a; consider(a)
                    } else {
                        lo = mid; atLo = a
                    }
                }
                // The tightest infeasible rounding, repaired, may beat the fitting one.
                consider(repair(problem, atLo, budget: budget))
            } else {
                consider(repair(problem, atHi, budget: budget))
                consider(repair(problem, unpenalized, budget: budget))
            }
        }
        return best!
    }

    /// Relaxed effective bits b_l for every layer at penalty `lambda` (before
    /// rounding), for inspection and plots.
    public func relaxedBits(_ problem: AllocationProblem, lambda: Double) -> [Double] {
        problem.layers.map { relax(RelaxedLayer($0), lambda: lambda) }
    }

    private func repair(_ problem: AllocationProblem, _ a: Allocation, budget: Double) -> Allocation {
        var choices = a.choices
        let all = problem.layers.map { Array($0.options.indices) }
        CostMoves.lowerUntilFits(problem, choices: &choices, allowed: all, budget: budget)
        return problem.allocation(choices: choices)
    }

    /// Proximal gradient descent on one layer's gates; returns Σ_k g_k.
    private func relax(_ layer: RelaxedLayer, lambda: Double) -> Double {
        let k = layer.planes
        var gates = [Double](repeating: 1, count: k)
        var trial = gates
        var bits = Double(k)
        let curvatureScale = max(layer.curve.slopeBound, 1e-300)
        var step = 1 / (Double(k) * curvatureScale)
        let threshold = lambda * layer.planeCost
        for _ in 0..<maxIterations {
            let f0 = layer.curve.value(bits)
            let grad = layer.curve.derivative(bits)
            var moved = 0.0
            var newBits = 0.0
            while true {
                var linear = 0.0, squared = 0.0
                newBits = 0
                moved = 0
                for i in 0..<k {
                    var z = gates[i] - step * grad
                    let t = step * threshold
                    z = z > t ? z - t : (z < -t ? z + t : 0)
                    z = min(max(z, 0), 1)
                    trial[i] = z
                    let delta = z - gates[i]
                    linear += delta
                    squared += delta * delta
                    moved = max(moved, abs(delta))
                    newBits += z
                }
                let bound = f0 + grad * linear + squared / (2 * step)
                if layer.curve.value(newBits) <= bound + 1e-12 * (abs(f0) + 1) || step < 1e-300 { break }
                step *= 0.5
            }
            swap(&gates, &trial)
            bits = newBits
            if moved < tolerance { break }
            step *= 1.25
        }
        return bits
    }
}

/// One layer prepared for the relaxation.
private struct RelaxedLayer {
    let options: [AllocationOption]
    /// K: number of bit-plane gates.
    let planes: Int
    /// f(b): damage at fractional bits.
    let curve: MonotoneCubic
    /// w: budget cost of one bit plane.
    let planeCost: Double

    init(_ layer: AllocationLayer) {
        options = layer.options
        let maxBits = layer.options.map(\.bits).max()!
        planes = max(1, Int(maxBits.rounded(.up)))
        var lowest = [Double: Double]()
        for o in layer.options { lowest[o.bits] = min(lowest[o.bits] ?? .infinity, o.score) }
        curve = MonotoneCubic(points: lowest.map { (x: $0.key, y: $0.value) })
        let n = Double(layer.options.count)
        let mb = layer.options.map(\.bits).reduce(0, +) / n
        let mc = layer.options.map(\.cost).reduce(0, +) / n
        var sxy = 0.0, sxx = 0.0
        for o in layer.options {
            sxy += (o.bits - mb) * (o.cost - mc)
            sxx += (o.bits - mb) * (o.bits - mb)
        }
        planeCost = sxx > 0 ? max(0, sxy / sxx) : 0
    }

    func nearestOption(to bits: Double) -> Int {
        var best = 0
        for i in options.indices.dropFirst() {
            let o = options[i], b = options[best]
            let d = abs(o.bits - bits), e = abs(b.bits - bits)
            if d < e || (d == e && (o.score < b.score || (o.score == b.score && o.cost < b.cost))) { best = i }
        }
        return best
    }
}
