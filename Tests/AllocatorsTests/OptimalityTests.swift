@testable import Allocators
import Foundation
import XCTest

/// `dp` against brute force; the heuristics against `dp`.
final class OptimalityTests: XCTestCase {
    func testDPEqualsBruteForce() throws {
        var rng = SplitMix64(seed: 1)
        for trial in 0..<150 {
            let p = randomProblem(&rng, shape: trial % 2 == 0 ? .monotone : .arbitrary)
            let all = allAllocations(p)
            for budget in interestingBudgets(p, all, &rng) {
                let expected = try XCTUnwrap(bruteForceBest(all, budget: budget))
                let got = try DPAllocator().allocate(p, budget: budget)
                XCTAssertTrue(AllocationProblem.fits(got.totalCost, budget: budget))
                XCTAssertEqual(got, p.allocation(choices: got.choices), "totals must be the canonical sums")
                assertClose(got.totalScore, expected, "trial \(trial) budget \(budget)")
            }
        }
    }

    func testKnapsackModeFitsAndIsNearOptimal() throws {
        var rng = SplitMix64(seed: 2)
        let knapsack = DPAllocator(mode: .knapsack(resolution: 512))
        for trial in 0..<30 {
            let p = randomProblem(&rng, shape: trial % 2 == 0 ? .monotone : .arbitrary)
            let all = allAllocations(p)
            for budget in interestingBudgets(p, all, &rng) {
                let got = try knapsack.allocate(p, budget: budget)
                XCTAssertTrue(AllocationProblem.fits(got.totalCost, budget: budget))
                let optimum = try XCTUnwrap(bruteForceBest(all, budget: budget))
                XCTAssertGreaterThanOrEqual(got.totalScore, optimum - tolerance * max(1, abs(optimum)))
                // Documented guarantee: at least as good as the exact optimum at budget − L·unit.
                if budget.isFinite, budget > 0 {
                    let shrunk = budget - Double(p.layerCount) * budget / 512
                    if let weaker = bruteForceBest(all, budget: shrunk) {
                        XCTAssertLessThanOrEqual(got.totalScore, weaker + tolerance * max(1, abs(weaker)))
                    }
                }
            }
        }
    }

    func testHeuristicsRespectBudgetAndNeverBeatDP() throws {
        var rng = SplitMix64(seed: 3)
        let heuristics: [any Allocator] = [GreedyAllocator(), GreedyAllocator(refill: false), BSQAllocator(), UniformAllocator()]
        var uniformAnswers = 0
        for trial in 0..<100 {
            let p = randomProblem(&rng, shape: trial % 2 == 0 ? .monotone : .arbitrary, pinnedChance: 0.15)
            let all = allAllocations(p)
            for budget in interestingBudgets(p, all, &rng, random: 2) {
                let best = try DPAllocator().allocate(p, budget: budget)
                for h in heuristics {
                    let a: Allocation
                    do {
                        a = try h.allocate(p, budget: budget)
                    } catch AllocationError.noUniformChoice {
                        XCTAssertEqual(h.name, "uniform")
                        continue
                    }
                    if h.name == "uniform" { uniformAnswers += 1 }
                    XCTAssertEqual(a, p.allocation(choices: a.choices))
                    XCTAssertTrue(AllocationProblem.fits(a.totalCost, budget: budget),
                                  "\(h.name) trial \(trial): cost \(a.totalCost) > budget \(budget)")
                    XCTAssertGreaterThanOrEqual(a.totalScore, best.totalScore - tolerance * max(1, abs(best.totalScore)),
                                                "\(h.name) beat dp, trial \(trial)")
                }
            }
        }
        XCTAssertGreaterThan(uniformAnswers, 100, "uniform should answer most feasible budgets")
    }

    /// On convex, monotone curves with the budget landing on a greedy step the
    /// greedy answer is optimal; in general it should be close. Here we only check
    /// that refill never makes greedy worse and that it is usually optimal on
    /// realistic instances.
    func testGreedyQualityOnRealisticInstances() throws {
        var rng = SplitMix64(seed: 4)
        var optimal = 0, total = 0
        for _ in 0..<80 {
            let p = randomProblem(&rng, shape: .monotone)
            let all = allAllocations(p)
            for budget in interestingBudgets(p, all, &rng, random: 3) {
                let refilled = try GreedyAllocator().allocate(p, budget: budget)
                let plain = try GreedyAllocator(refill: false).allocate(p, budget: budget)
                XCTAssertLessThanOrEqual(refilled.totalScore, plain.totalScore)
                let best = try DPAllocator().allocate(p, budget: budget)
                total += 1
                if refilled.totalScore <= best.totalScore + tolerance * max(1, abs(best.totalScore)) { optimal += 1 }
            }
        }
        XCTAssertGreaterThan(Double(optimal) / Double(total), 0.6, "greedy optimal in \(optimal)/\(total)")
    }

    func testUniformPicksHighestBitsThatFit() throws {
        let layers = (0..<3).map { l in
            AllocationLayer(name: "c\(l)", options: [2, 4, 8].map { b in
                AllocationOption(bits: b, cost: Double(b * 100 * (l + 1)), score: Double(10 - b))
            })
        }
        let p = try AllocationProblem(layers: layers + [.pinned(name: "fc", AllocationOption(bits: 8, cost: 50, score: 0))])
        // 4 bits everywhere: 400+800+1200 + 50 = 2450; 8 bits: 4850.
        let a = try UniformAllocator().allocate(p, budget: 3000)
        XCTAssertEqual(a.labels(in: p), ["4", "4", "4", "8"])
        XCTAssertEqual(a.totalCost, 2450)
        XCTAssertThrowsError(try UniformAllocator().allocate(p, budget: 1000)) { error in
            // Feasible for mixed precision only if ≥ 200+400+600+50 = 1250.
            XCTAssertEqual(error as? AllocationError, .infeasible(minimum: 1250))
        }
        XCTAssertThrowsError(try UniformAllocator().allocate(
            try AllocationProblem(options: [[AllocationOption(bits: 2, cost: 1, score: 1), AllocationOption(bits: 4, cost: 2, score: 0)],
                                            [AllocationOption(bits: 3, cost: 1, score: 1), AllocationOption(bits: 5, cost: 2, score: 0)]]),
            budget: 10)) { error in
            XCTAssertEqual(error as? AllocationError, .noUniformChoice(budget: 10, cheapest: nil))
        }
    }

    func testBSQHandlesFractionalAndSparseMenus() throws {
        // Options {ternary, 2, 3, 4, 5, 6, 8}: ternary ≈ 1.58 bits stored on 2.
        var layers: [AllocationLayer] = []
        for l in 0..<8 {
            let params = Double(1000 * (l + 1))
            let sensitivity = Double((l * 7) % 5 + 1)
            layers.append(AllocationLayer(name: "conv\(l)", options: bitMenu.map { e in
                AllocationOption(label: e.label, bits: e.bits, cost: params * e.storage / 8,
                                 score: sensitivity * params * pow(2, -2 * e.bits))
            }))
        }
        let p = try AllocationProblem(layers: layers)
        let totalParams = 36000.0
        for avg in [2.0, 2.2, 2.5, 3.0, 4.0, 5.5, 8.0] {
            let budget = avg * totalParams / 8
            let bsq = try BSQAllocator().allocate(p, budget: budget)
            let dp = try DPAllocator().allocate(p, budget: budget)
            XCTAssertTrue(AllocationProblem.fits(bsq.totalCost, budget: budget))
            XCTAssertGreaterThanOrEqual(bsq.totalScore, dp.totalScore * (1 - 1e-12))
            // A relaxation of a convex problem should land within a factor of the optimum.
            XCTAssertLessThanOrEqual(bsq.totalScore, 3 * dp.totalScore + 1e-9, "avg \(avg)")
        }
        // Relaxed bits shrink as λ grows.
        let bsq = BSQAllocator()
        let small = bsq.relaxedBits(p, lambda: 1e-6), large = bsq.relaxedBits(p, lambda: 1e3)
        for (s, b) in zip(small, large) { XCTAssertGreaterThanOrEqual(s, b) }
        XCTAssertTrue(large.allSatisfy { $0 < 0.5 })
    }
}
