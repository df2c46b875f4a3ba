@testable import Allocators
import XCTest

/// `BracketAllocation.best` against brute force over the {low, high} neighbourhood.
final class BracketAllocationTests: XCTestCase {
    func testEqualsBruteForceOverTheBracket() throws {
        var state: UInt64 = 7
        func next() -> Double { state = state &* 6364136223846793005 &+ 1442695040888963407; return Double(state >> 11) / Double(1 << 53) }
        let bits = [2, 3, 4, 6, 8]
        for trial in 0..<40 {
            let n = 2 + trial % 6
            var layers: [AllocationLayer] = []
            for l in 0..<n {
                let params = Double(100 + Int(next() * 900))
                let options = bits.map { AllocationOption(bits: $0, cost: params * Double($0) / 8, score: next() / Double($0)) }
                layers.append(l == 0 && trial % 2 == 0 ? .pinned(name: "edge", options[4]) : AllocationLayer(name: "l\(l)", options: options))
            }
            let problem = try AllocationProblem(layers: layers)
            let (low, high) = (1, 2)  // 3 and 4 bits
            let top = problem.allocation(choices: layers.map { $0.isPinned ? 0 : high }).totalCost
            let bottom = problem.allocation(choices: layers.map { $0.isPinned ? 0 : low }).totalCost
            let budget = bottom + (top - bottom) * next()
            var best: Allocation?
            for mask in 0..<(1 << n) {
                let choices = (0..<n).map { layers[$0].isPinned ? 0 : (mask >> $0 & 1 == 1 ? high : low) }
                let a = problem.allocation(choices: choices)
                if AllocationProblem.fits(a.totalCost, budget: budget), best == nil || a.totalScore < best!.totalScore - 1e-12 { best = a }
            }
            let got = try XCTUnwrap(BracketAllocation.best(problem, low: low, high: high, budget: budget))
            XCTAssertTrue(AllocationProblem.fits(got.totalCost, budget: budget))
            XCTAssertEqual(got.totalScore, best!.totalScore, accuracy: 1e-9, "trial \(trial)")
            XCTAssertTrue(got.choices.enumerated().allSatisfy { layers[$0.offset].isPinned ? $0.element == 0 : [low, high].contains($0.element) })
        }
    }

    func testNilWhenNothingFitsOrIndexMissing() throws {
        let p = try AllocationProblem(options: [[.init(bits: 2, cost: 1, score: 1), .init(bits: 4, cost: 2, score: 0)]])
        XCTAssertNil(BracketAllocation.best(p, low: 0, high: 1, budget: 0.5))
        XCTAssertNil(BracketAllocation.best(p, low: 0, high: 5, budget: 10))
        XCTAssertEqual(BracketAllocation.best(p, low: 0, high: 1, budget: 2)?.choices, [1])
    }
}
