@testable import Allocators
import XCTest

/// Behaviour every allocator shares: infeasibility, pinning, determinism,
/// validation, the registry.
final class ContractTests: XCTestCase {
    let everyAllocator: [any Allocator] = Allocators.names.map { try! Allocators.named($0) }
        + [GreedyAllocator(refill: false), DPAllocator(mode: .knapsack(resolution: 256))]

    func testInfeasibleBudgetsThrowTheMinimum() throws {
        var rng = SplitMix64(seed: 20)
        for trial in 0..<40 {
            let p = randomProblem(&rng, shape: trial % 2 == 0 ? .monotone : .arbitrary)
            let minimum = allAllocations(p).map(\.totalCost).min()!
            XCTAssertEqual(p.minimumCost, minimum)
            for budget in [minimum * 0.99 - 1, -5] {
                for a in everyAllocator {
                    XCTAssertThrowsError(try a.allocate(p, budget: budget)) { error in
                        XCTAssertEqual(error as? AllocationError, .infeasible(minimum: minimum), a.name)
                        XCTAssertTrue("\(error)".contains(formatNumber(minimum)), "\(error)")
                    }
                }
            }
            // Exactly the minimum is feasible for every allocator but uniform.
            for a in everyAllocator where a.name != "uniform" {
                XCTAssertEqual(try a.allocate(p, budget: minimum).totalCost, minimum, a.name)
            }
            for a in everyAllocator {
                XCTAssertThrowsError(try a.allocate(p, budget: .nan)) { error in
                    guard case .invalidBudget = error as? AllocationError else { return XCTFail("\(error)") }
                }
            }
        }
    }

    func testPinnedLayersStayPinned() throws {
        var rng = SplitMix64(seed: 21)
        for trial in 0..<40 {
            let p = randomProblem(&rng, shape: trial % 2 == 0 ? .monotone : .arbitrary, pinnedChance: 0.4)
            let pinned = p.layers.indices.filter { p.layers[$0].isPinned }
            let all = allAllocations(p)
            for budget in interestingBudgets(p, all, &rng, random: 2) {
                for a in everyAllocator {
                    guard let result = try? a.allocate(p, budget: budget) else { continue }
                    for l in pinned { XCTAssertEqual(result.choices[l], 0, "\(a.name) moved pinned layer \(l)") }
                }
            }
            for f in DPAllocator().frontier(p) {
                for l in pinned { XCTAssertEqual(f.choices[l], 0) }
            }
        }
        // All layers pinned: the only allocation, from every allocator.
        let p = try AllocationProblem(options: [[AllocationOption(bits: 8, cost: 10, score: 1)],
                                                [AllocationOption(bits: 4, cost: 5, score: 2)]])
        for a in everyAllocator { XCTAssertEqual(try a.allocate(p, budget: 15).choices, [0, 0], a.name) }
    }

    func testDeterminism() throws {
        var rng = SplitMix64(seed: 22)
        for trial in 0..<30 {
            let p = randomProblem(&rng, shape: trial % 2 == 0 ? .monotone : .arbitrary)
            let budget = (p.minimumCost + p.maximumCost) / 2
            for a in everyAllocator {
                let first = try? a.allocate(p, budget: budget)
                let second = try? a.allocate(p, budget: budget)
                XCTAssertEqual(first, second, a.name)
            }
            XCTAssertEqual(DPAllocator().frontier(p), DPAllocator().frontier(p))
        }
    }

    func testTiesAreBrokenByLayerIndex() throws {
        // Two identical layers; one must drop. Greedy drops the first.
        let layer = [AllocationOption(bits: 8, cost: 8, score: 0), AllocationOption(bits: 4, cost: 4, score: 1)]
        let p = try AllocationProblem(options: [layer, layer])
        XCTAssertEqual(try GreedyAllocator().allocate(p, budget: 12).choices, [1, 0])
    }

    func testGreedyConsidersNonAdjacentMoves() throws {
        // Dropping 8 → 6 saves little for a big loss; 8 → 2 is far better per byte.
        let p = try AllocationProblem(options: [
            [AllocationOption(bits: 8, cost: 80, score: 0), AllocationOption(bits: 6, cost: 75, score: 10),
             AllocationOption(bits: 2, cost: 20, score: 12)],
            [AllocationOption(bits: 8, cost: 80, score: 0), AllocationOption(bits: 4, cost: 40, score: 30)],
        ])
        let a = try GreedyAllocator(refill: false).allocate(p, budget: 120)
        XCTAssertEqual(a.choices, [2, 0])
    }

    func testValidation() {
        func expect(_ layers: [[AllocationOption]], _ error: AllocationError, line: UInt = #line) {
            XCTAssertThrowsError(try AllocationProblem(options: layers), line: line) { e in
                XCTAssertEqual(e as? AllocationError, error, line: line)
                XCTAssertFalse("\(e)".contains("\n"))
            }
        }
        let ok = AllocationOption(bits: 4, cost: 1, score: 1)
        expect([], .noLayers)
        expect([[ok], []], .emptyLayer(layer: 1, name: "layer1"))
        expect([[ok, AllocationOption(bits: 2, cost: -1, score: 0)]], .invalidCost(layer: 0, option: 1, value: -1))
        expect([[AllocationOption(bits: 2, cost: .infinity, score: 0)]], .invalidCost(layer: 0, option: 0, value: .infinity))
        expect([[AllocationOption(bits: 2, cost: 1, score: -.infinity)]], .invalidScore(layer: 0, option: 0, value: -.infinity))
        expect([[AllocationOption(label: "x", bits: -1, cost: 1, score: 0)]], .invalidBits(layer: 0, option: 0, value: -1))
        XCTAssertThrowsError(try AllocationProblem(options: [[AllocationOption(bits: 2, cost: .nan, score: 0)]])) { e in
            guard case .invalidCost(0, 0, let v)? = e as? AllocationError, v.isNaN else { return XCTFail("\(e)") }
        }
        XCTAssertThrowsError(try AllocationProblem(options: [[AllocationOption(bits: 2, cost: 1, score: .nan)]]))
        XCTAssertNoThrow(try AllocationProblem(options: [[AllocationOption(bits: 2, cost: 0, score: -3)]]))
    }

    func testRegistry() throws {
        for name in Allocators.names { XCTAssertEqual(try Allocators.named(name).name, name) }
        XCTAssertEqual(try Allocators.named("DP").name, "dp")
        XCTAssertThrowsError(try Allocators.named("annealing")) { e in
            XCTAssertEqual("\(e)", "unknown allocator 'annealing'; valid names: greedy, dp, bsq, uniform")
        }
    }

    func testInfiniteBudgetTakesLowestScores() throws {
        var rng = SplitMix64(seed: 23)
        for _ in 0..<20 {
            let p = randomProblem(&rng, shape: .arbitrary)
            let best = p.layers.map { $0.options.map(\.score).min()! }.reduce(0, +)
            for a in [GreedyAllocator(), DPAllocator(), DPAllocator(mode: .knapsack(resolution: 64))] as [any Allocator] {
                assertClose(try a.allocate(p, budget: .infinity).totalScore, best)
            }
        }
    }
}
