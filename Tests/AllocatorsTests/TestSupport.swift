@testable import Allocators
import XCTest

/// Seeded, platform-independent generator (SplitMix64).
struct SplitMix64: RandomNumberGenerator {
    var state: UInt64
    init(seed: UInt64) { state = seed }
    mutating func next() -> UInt64 {
        state &+= 0x9E37_79B9_7F4A_7C15
        var z = state
        z = (z ^ (z >> 30)) &* 0xBF58_476D_1CE4_E5B9
        z = (z ^ (z >> 27)) &* 0x94D0_49BB_1331_11EB
        return z ^ (z >> 31)
    }
    mutating func unit() -> Double { Double(next() >> 11) / Double(1 << 53) }
    mutating func int(_ range: ClosedRange<Int>) -> Int { Int.random(in: range, using: &self) }
}

enum Shape {
    /// Costs grow with bits, scores non-increasing in cost (the realistic case).
    case monotone
    /// Random costs (ties possible) and arbitrary scores, possibly negative.
    case arbitrary
}

/// The available precisions: ternary is 1.58 bits stored on 2.
let bitMenu: [(label: String, bits: Double, storage: Double)] = [
    ("ternary", 1.58, 2), ("2", 2, 2), ("3", 3, 3), ("4", 4, 4), ("5", 5, 5), ("6", 6, 6), ("8", 8, 8),
]

func randomProblem(_ rng: inout SplitMix64, shape: Shape, layers: ClosedRange<Int> = 2...6,
                   options: ClosedRange<Int> = 2...5, pinnedChance: Double = 0) -> AllocationProblem {
    let l = rng.int(layers)
    var result: [AllocationLayer] = []
    for layerIndex in 0..<l {
        var n = rng.int(options)
        if rng.unit() < pinnedChance { n = 1 }
        let menu = Array(bitMenu.indices.shuffled(using: &rng).prefix(n)).sorted().map { bitMenu[$0] }
        let params = Double(rng.int(10...5000))
        var opts: [AllocationOption] = []
        switch shape {
        case .monotone:
            let sensitivity = rng.unit() * 10
            var score = sensitivity * 4
            for entry in menu.reversed() {
                // Walk down in bits: damage can only grow (sometimes stays flat).
                score += rng.unit() < 0.2 ? 0 : rng.unit() * sensitivity
                opts.append(AllocationOption(label: entry.label, bits: entry.bits,
                                             cost: params * entry.storage / 8, score: score))
            }
            opts.reverse()
        case .arbitrary:
            for entry in menu {
                let cost = Double(rng.int(0...20)) * 10
                opts.append(AllocationOption(label: entry.label, bits: entry.bits, cost: cost,
                                             score: rng.unit() * 20 - 5))
            }
            opts.shuffle(using: &rng)
        }
        result.append(AllocationLayer(name: "L\(layerIndex)", options: opts))
    }
    return try! AllocationProblem(layers: result)
}

/// Every allocation of the problem (small instances only).
func allAllocations(_ p: AllocationProblem) -> [Allocation] {
    var out: [Allocation] = []
    var choices = [Int](repeating: 0, count: p.layerCount)
    func rec(_ l: Int) {
        if l == p.layerCount { out.append(p.allocation(choices: choices)); return }
        for o in p.layers[l].options.indices { choices[l] = o; rec(l + 1) }
    }
    rec(0)
    return out
}

/// Minimum total score among allocations that fit, or nil.
func bruteForceBest(_ all: [Allocation], budget: Double) -> Double? {
    all.filter { AllocationProblem.fits($0.totalCost, budget: budget) }.map(\.totalScore).min()
}

/// Budgets worth testing: every reachable total cost (exact boundaries), and
/// random points between the minimum and maximum.
func interestingBudgets(_ p: AllocationProblem, _ all: [Allocation], _ rng: inout SplitMix64, random: Int = 4) -> [Double] {
    let costs = Array(Set(all.map(\.totalCost))).sorted()
    var picks: [Double] = [costs.first!, costs.last!]
    for _ in 0..<3 { picks.append(costs[rng.int(0...(costs.count - 1))]) }
    let lo = p.minimumCost, hi = p.maximumCost
    for _ in 0..<random { picks.append(lo + (hi - lo) * rng.unit()) }
    picks.append(hi * 2)
    return picks
}

let tolerance = 1e-9

func assertClose(_ a: Double, _ b: Double, _ message: @autoclosure () -> String = "",
                 file: StaticString = #filePath, line: UInt = #line) {
    XCTAssertLessThanOrEqual(abs(a - b), tolerance * max(1, abs(a), abs(b)), message(), file: file, line: line)
}
