@testable import Allocators
import Foundation
import XCTest

/// Realistic-scale timing. The ResNet-20 check runs always (it is small); the
/// 100-layer check needs a release build and runs only with BITBUDGET_PERF=1:
///   BITBUDGET_PERF=1 swift test -c release --scratch-path .build-alloc --filter AllocatorsTests.PerformanceTests
final class PerformanceTests: XCTestCase {
    /// Layers with parameter counts in [minParams, maxParams], options
    /// {ternary, 2, 3, 4, 5, 6, 8} plus 7 bits (9 options with fp16 when asked),
    /// cost = weight bytes, score = sensitivity · params · 4^(−bits).
    static func network(layers: Int, nineOptions: Bool, seed: UInt64) -> AllocationProblem {
        var rng = SplitMix64(seed: seed)
        var menu = bitMenu + [("7", 7.0, 7.0)]
        if nineOptions { menu.append(("16", 16, 16)) }
        var result: [AllocationLayer] = []
        for l in 0..<layers {
            let params = Double(rng.int(400...600_000))
            let sensitivity = 0.1 + rng.unit() * 10
            var options = menu.map { e in
                AllocationOption(label: e.0, bits: e.1, cost: params * e.2 / 8, score: sensitivity * params * pow(4, -e.1))
            }
            if l == 0 || l == layers - 1 { options = [options.first { $0.label == "8" }!] }
            result.append(AllocationLayer(name: "layer\(l)", options: options))
        }
        return try! AllocationProblem(layers: result)
    }

    func testResNet20ScaleIsFastEvenInDebug() throws {
        let p = Self.network(layers: 20, nineOptions: false, seed: 40)
        let budget = 3.0 / 8.0 * p.layers.map { $0.options.first { $0.label == "8" }!.cost }.reduce(0, +)
        for a in Allocators.names.map({ try! Allocators.named($0) }) {
            let start = Date()
            let result = try a.allocate(p, budget: budget)
            let elapsed = Date().timeIntervalSince(start)
            XCTAssertTrue(AllocationProblem.fits(result.totalCost, budget: budget))
            print("[perf] \(a.name): 20 layers × 8 options in \(String(format: "%.1f", elapsed * 1000)) ms")
        }
    }

    func testHundredLayersParetoDPInRelease() throws {
        guard ProcessInfo.processInfo.environment["BITBUDGET_PERF"] == "1" else {
            throw XCTSkip("set BITBUDGET_PERF=1 and build in release to time 100-layer instances")
        }
        let p = Self.network(layers: 100, nineOptions: true, seed: 41)
        let full = p.layers.map { $0.options.first { $0.label == "8" }!.cost }.reduce(0, +)
        for avg in [2.5, 4.0, 6.0] {
            let budget = avg / 8 * full
            var start = Date()
            let front = DPAllocator().frontier(p)
            let frontTime = Date().timeIntervalSince(start)
            start = Date()
            let result = try DPAllocator().allocate(p, budget: budget)
            let dpTime = Date().timeIntervalSince(start)
            XCTAssertTrue(AllocationProblem.fits(result.totalCost, budget: budget))
            print("[perf] dp 100 × 9, \(avg) bits: allocate \(String(format: "%.3f", dpTime)) s, frontier (\(front.count) points) \(String(format: "%.3f", frontTime)) s")
            XCTAssertLessThan(dpTime, 1.0)
            for a in [GreedyAllocator(), BSQAllocator(), UniformAllocator()] as [any Allocator] {
                start = Date()
                let r = try a.allocate(p, budget: budget)
                print("[perf] \(a.name) 100 × 9: \(String(format: "%.3f", Date().timeIntervalSince(start))) s, score/dp \(r.totalScore / result.totalScore)")
            }
        }
    }
}
