@testable import Allocators
import XCTest

/// `FrontierSearch` over fake measuring closures (drop in points per frontier index).
final class FrontierSearchTests: XCTestCase {
    func search(_ drops: [Double], maxDrop: Double) throws -> (FrontierSearch.Result, [Int]) {
        var calls: [Int] = []
        let r = try FrontierSearch.smallestPassing(count: drops.count, maxDrop: maxDrop) { i in calls.append(i); return drops[i] }
        return (r, calls)
    }

    func testMonotoneFindsSmallestPassingWithLogarithmicMeasurements() throws {
        // Drop decreases with size; every threshold against a linear scan.
        let drops = (0..<100).map { 30.0 * exp(-Double($0) / 15) }
        for maxDrop in [0.1, 0.5, 1, 2.5, 10, 29, 30, 31] {
            let (r, calls) = try search(drops, maxDrop: maxDrop)
            XCTAssertEqual(r.index, drops.firstIndex { $0 <= maxDrop }, "maxDrop \(maxDrop)")
            XCTAssertLessThanOrEqual(r.drop, maxDrop)
            XCTAssertEqual(calls.first, 99, "the most accurate point is measured first")
            XCTAssertLessThanOrEqual(calls.count, 1 + Int(ceil(log2(100.0))))
            XCTAssertEqual(Set(calls).count, calls.count, "no index measured twice")
            XCTAssertEqual(r.probes.map(\.index), calls)
        }
    }

    func testEveryPointPassingPicksTheCheapest() throws {
        let (r, _) = try search([0.5, 0.4, 0.1], maxDrop: 1)
        XCTAssertEqual(r.index, 0)
        let (single, calls) = try search([0.2], maxDrop: 0.2)
        XCTAssertEqual(single.index, 0)
        XCTAssertEqual(calls, [0])
    }

    func testNonMonotoneResultStillPasses() throws {
        // Noisy measurements: bisection may skip a cheaper passing point but never returns a failing one.
        var rng = SplitMix64(seed: 7)
        for _ in 0..<200 {
            let n = rng.int(1...40)
            var drops = (0..<n).map { 10 * (1 - Double($0) / Double(n)) + (rng.unit() - 0.5) * 4 }
            drops[n - 1] = min(drops[n - 1], 0.5)
            let maxDrop = rng.unit() * 8
            let (r, calls) = try search(drops, maxDrop: max(maxDrop, 0.5))
            XCTAssertLessThanOrEqual(drops[r.index], max(maxDrop, 0.5) + 1e-9)
            XCTAssertEqual(r.drop, drops[r.index])
            // The point just below the answer was measured and failed (or the answer is index 0).
            if r.index > 0, let below = r.probes.first(where: { $0.index == r.index - 1 }) { XCTAssertGreaterThan(below.drop, max(maxDrop, 0.5)) }
            XCTAssertLessThanOrEqual(calls.count, 1 + Int(ceil(log2(Double(max(2, n))))))
        }
        // A dip the bisection skips: index 1 passes, but mid-points fail and the search settles higher.
        let (r, _) = try search([5, 0.5, 5, 5, 5, 5, 0.2], maxDrop: 1)
        XCTAssertEqual(r.index, 6)
        // A spike: a failing point above a passing one does not stop the search from going lower.
        let (r2, _) = try search([3, 0.4, 0.3, 2, 0.2], maxDrop: 1)
        XCTAssertLessThanOrEqual([3, 0.4, 0.3, 2, 0.2][r2.index], 1)
    }

    func testNothingPassesNamesTheBestDropFound() {
        XCTAssertThrowsError(try search([9, 7, 4.25], maxDrop: 1)) { error in
            guard let e = error as? FrontierSearch.NothingPasses else { return XCTFail("\(error)") }
            XCTAssertEqual(e.best, .init(index: 2, drop: 4.25))
            XCTAssertEqual(e.probes.count, 1, "stops after the most accurate point fails")
            XCTAssertTrue(e.description.contains("4.25") && e.description.contains("within 1"), e.description)
        }
        XCTAssertThrowsError(try search([.nan, .nan], maxDrop: 1)) { error in
            XCTAssertTrue(error is FrontierSearch.NothingPasses)
        }
    }

    func testMeasuringErrorsPropagate() {
        struct Boom: Error {}
        XCTAssertThrowsError(try FrontierSearch.smallestPassing(count: 3, maxDrop: 1) { _ in throw Boom() }) { XCTAssertTrue($0 is Boom) }
    }

    func testSpreadAndBelowBudget() {
        let costs = (0..<101).map { Double($0) }
        XCTAssertEqual(FrontierSearch.spread(costs: costs, count: 5), [0, 25, 50, 75, 100])
        XCTAssertEqual(FrontierSearch.spread(costs: costs, count: 1), [100])
        XCTAssertEqual(FrontierSearch.spread(costs: costs, count: 0), [])
        XCTAssertEqual(FrontierSearch.spread(costs: [1, 1.1, 9, 10], count: 4), [0, 1, 3], "no duplicates, ascending")
        XCTAssertEqual(FrontierSearch.spread(costs: [], count: 3), [])
        XCTAssertEqual(FrontierSearch.belowBudget(costs: costs, budget: 50.5, count: 3, minimumGap: 10), [50, 40, 30])
        XCTAssertEqual(FrontierSearch.belowBudget(costs: costs, budget: 5, count: 4, minimumGap: 2), [5, 3, 1])
        XCTAssertEqual(FrontierSearch.belowBudget(costs: costs, budget: -1, count: 3, minimumGap: 1), [])
        XCTAssertEqual(FrontierSearch.belowBudget(costs: costs, budget: 50, count: 0, minimumGap: 1), [])
    }
}
