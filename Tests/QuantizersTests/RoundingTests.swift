import TensorMath
import XCTest
@testable import Quantizers

final class RoundingTests: XCTestCase {
    func testHalfToEven() {
        let cases: [(Float, Float)] = [(0.5, 0), (1.5, 2), (2.5, 2), (-0.5, 0), (-1.5, -2), (-2.5, -2),
                                       (0.49999997, 0), (0.50000006, 1), (126.5, 126), (127.5, 128),
                                       (-3.7, -4), (3.2, 3), (1e7 + 0.5, 1e7), (1e9, 1e9)]
        for (x, expected) in cases {
            XCTAssertEqual(roundHalfToEven(x), expected, "round(\(x))")
            XCTAssertEqual(roundHalfToEven(x), x.rounded(.toNearestOrEven), "\(x)")
        }
        XCTAssertEqual(roundToInt(-6.5), -6)
        XCTAssertEqual(roundToInt(7.5), 8)
        // Odd symmetry on a sweep.
        var rng = SplitMix64(seed: 9)
        for _ in 0..<10_000 {
            let x = (rng.nextUnitFloat() - 0.5) * 600
            XCTAssertEqual(roundHalfToEven(-x), -roundHalfToEven(x))
            XCTAssertEqual(roundHalfToEven(x), x.rounded(.toNearestOrEven))
        }
    }

    func testAffineCode() {
        // scale 0.5, zp 3, range [0, 7]
        let p = AffineParameters(scale: 0.5, zeroPoint: 3, qmin: 0, qmax: 7)
        XCTAssertEqual(p.code(0), 3)
        XCTAssertEqual(p.code(0.25), 3)    // 0.5 -> 0 (tie to even)
        XCTAssertEqual(p.code(0.75), 5)    // 1.5 -> 2
        XCTAssertEqual(p.code(-10), 0)
        XCTAssertEqual(p.code(10), 7)
        XCTAssertEqual(p.value(7), 2)
    }

    func testCanonicalScale() {
        XCTAssertEqual(canonicalScale(1), 1)
        XCTAssertEqual(canonicalScale(0.1).bitPattern & 0xFF, 0)
        var rng = SplitMix64(seed: 5)
        for _ in 0..<2000 {
            let s = Float(1 + rng.nextUnitDouble()) * 1e-3
            let c = canonicalScale(s)
            XCTAssertEqual(canonicalScale(c), c)
            XCTAssertLessThanOrEqual(abs(c - s) / s, 0x1p-16)
            for k in [1, 3, 77, 127, 255] as [Float] {
                let v = c * k
                XCTAssertEqual(Double(v), Double(c) * Double(k), "c·k exact")
                XCTAssertEqual(roundHalfToEven(v * (1 / c)), k)
            }
        }
    }

    func testSplitMix64KnownValues() {
        // Reference outputs of SplitMix64 seeded with 0 (published test vector).
        var g = SplitMix64(seed: 0)
        XCTAssertEqual(g.next(), 0xE220_A839_7B1D_CDAF)
        XCTAssertEqual(g.next(), 0x6E78_9E6A_A1B9_65F4)
        XCTAssertEqual(SplitMix64.value(seed: 0, index: 1), 0x6E78_9E6A_A1B9_65F4)
        XCTAssertEqual(SplitMix64.value(seed: 0, index: 0), 0xE220_A839_7B1D_CDAF)
    }

    func testStochasticRoundingScalar() {
        XCTAssertEqual(roundStochastic(2.25, uniform: 0.2), 3)
        XCTAssertEqual(roundStochastic(2.25, uniform: 0.25), 2)
        XCTAssertEqual(roundStochastic(-2.25, uniform: 0.7), -2)   // frac 0.75
        XCTAssertEqual(roundStochastic(-2.25, uniform: 0.8), -3)
        XCTAssertEqual(roundStochastic(4, uniform: 0), 4)           // integers never move
    }
}
