@testable import Allocators
import XCTest

final class FrontierTests: XCTestCase {
    func testFrontierIsSortedNonDominatedAndContainsEveryOptimum() throws {
        var rng = SplitMix64(seed: 10)
        for trial in 0..<150 {
            let p = randomProblem(&rng, shape: trial % 2 == 0 ? .monotone : .arbitrary, pinnedChance: 0.1)
            let all = allAllocations(p)
            let front = DPAllocator().frontier(p)
            XCTAssertFalse(front.isEmpty)
            for a in front { XCTAssertEqual(a, p.allocation(choices: a.choices)) }
            // Sorted by cost, scores strictly decreasing: no point dominates another.
            for (a, b) in zip(front, front.dropFirst()) {
                XCTAssertLessThan(a.totalCost, b.totalCost, "trial \(trial)")
                XCTAssertGreaterThan(a.totalScore, b.totalScore, "trial \(trial)")
            }
            // Every allocation is weakly dominated by a frontier point; no frontier
            // point is strictly dominated by any allocation.
            for x in all {
                XCTAssertTrue(front.contains { $0.totalCost <= x.totalCost && $0.totalScore <= x.totalScore })
            }
            for f in front {
                XCTAssertFalse(all.contains { ($0.totalCost <= f.totalCost && $0.totalScore < f.totalScore)
                    || ($0.totalCost < f.totalCost && $0.totalScore <= f.totalScore) })
            }
            XCTAssertEqual(front.first!.totalCost, p.minimumCost)
            // For every budget the brute-force optimum is on the frontier (budgets:
            // every reachable cost; prefix minima over the cost-sorted allocations).
            let sorted = all.sorted { $0.totalCost < $1.totalCost }
            var prefixBest: [Double] = []
            for a in sorted { prefixBest.append(min(prefixBest.last ?? .infinity, a.totalScore)) }
            for budget in Set(all.map(\.totalCost)) {
                var lo = 0, hi = sorted.count // first allocation that does not fit
                while lo < hi {
                    let mid = (lo + hi) / 2
                    if AllocationProblem.fits(sorted[mid].totalCost, budget: budget) { lo = mid + 1 } else { hi = mid }
                }
                let last = lo - 1
                let onFront = front.filter { AllocationProblem.fits($0.totalCost, budget: budget) }.map(\.totalScore).min()
                XCTAssertEqual(onFront, prefixBest[last], "trial \(trial)")
            }
        }
    }

    func testCappedFrontierStaysValidAndKeepsEnds() throws {
        var rng = SplitMix64(seed: 11)
        for _ in 0..<30 {
            let p = randomProblem(&rng, shape: .monotone, layers: 6...8, options: 4...5)
            let exact = DPAllocator().frontier(p)
            let capped = DPAllocator(mode: .pareto(maxFrontSize: 8)).frontier(p)
            XCTAssertLessThanOrEqual(capped.count, exact.count)
            XCTAssertEqual(capped.first!.totalCost, exact.first!.totalCost)
            for (a, b) in zip(capped, capped.dropFirst()) {
                XCTAssertLessThan(a.totalCost, b.totalCost)
                XCTAssertGreaterThan(a.totalScore, b.totalScore)
            }
            let budget = (p.minimumCost + p.maximumCost) / 2
            let approx = try DPAllocator(mode: .pareto(maxFrontSize: 8)).allocate(p, budget: budget)
            XCTAssertTrue(AllocationProblem.fits(approx.totalCost, budget: budget))
        }
    }
}
