import CKernels
import Foundation
import XCTest
@testable import Engine

/// Independent Swift transcriptions of the documented formulas (not calls into C).
enum Definition {
    /// gemmlowp SRDHM, literally: nudge, then truncating division by 2^31.
    static func srdhm(_ a: Int32, _ b: Int32) -> Int32 {
        if a == Int32.min && b == Int32.min { return Int32.max }
        let ab = Int64(a) * Int64(b)
        let nudge: Int64 = ab >= 0 ? (1 << 30) : (1 - (1 << 30))
        return Int32((ab + nudge) / (Int64(1) << 31))  // Swift `/` truncates toward zero
    }

    /// x / 2^e rounded to nearest, ties away from zero, computed with exact rationals.
    static func rdbpot(_ x: Int32, _ e: Int32) -> Int32 {
        let d = Int64(1) << Int64(e)
        let ax = abs(Int64(x))
        let q = ax / d, r = ax % d
        let rounded = 2 * r >= d ? q + 1 : q
        return Int32(x < 0 ? -rounded : rounded)
    }

    static func mbqm(_ x: Int32, _ m: Int32, _ s: Int32) -> Int32 {
        let left = max(s, 0), right = max(-s, 0)
        return rdbpot(srdhm(Int32(truncatingIfNeeded: Int64(x) << Int64(left)), m), right)
    }
}

final class FixedPointTests: XCTestCase {
    func testQuantizeMultiplierDecomposition() {
        var rng = SplitMix64(seed: 20)
        for _ in 0..<2000 {
            let real = exp(Double.random(in: log(1e-7)...log(1e4), using: &rng))
            guard let fm = FixedPointMultiplier(real: real) else { return XCTFail("\(real) rejected") }
            XCTAssertGreaterThanOrEqual(fm.multiplier, 1 << 30)
            XCTAssertLessThanOrEqual(fm.multiplier, Int32.max)
            XCTAssertLessThanOrEqual(abs(fm.realValue - real) / real, pow(2.0, -31), "\(real)")
            // the mantissa is the nearest Q31 value (ties away from zero)
            let f = real / Double(sign: .plus, exponent: Int(fm.shift), significand: 1)
            XCTAssertEqual(Double(fm.multiplier), (f * 2147483648.0).rounded(.toNearestOrAwayFromZero)
                           .clamped(max: 2147483647), accuracy: 0.0, "\(real)")
        }
        XCTAssertEqual(FixedPointMultiplier(real: 0), FixedPointMultiplier(multiplier: 0, shift: 0))
        XCTAssertEqual(FixedPointMultiplier(real: 0.5), FixedPointMultiplier(multiplier: 1 << 30, shift: 0))
        XCTAssertEqual(FixedPointMultiplier(real: 1.0), FixedPointMultiplier(multiplier: 1 << 30, shift: 1))
        // mantissa rounding up to 2^31 renormalizes
        XCTAssertEqual(FixedPointMultiplier(real: 1.0 - 1e-12), FixedPointMultiplier(multiplier: 1 << 30, shift: 1))
        XCTAssertEqual(FixedPointMultiplier(real: 1e-12), FixedPointMultiplier(multiplier: 0, shift: 0))
        XCTAssertNil(FixedPointMultiplier(real: -0.5))
        XCTAssertNil(FixedPointMultiplier(real: .infinity))
        XCTAssertNil(FixedPointMultiplier(real: 3e9))
    }

    func testSRDHMMatchesGemmlowpFormula() {
        var rng = SplitMix64(seed: 21)
        let edge: [Int32] = [0, 1, -1, 2, -2, Int32.max, Int32.min, Int32.min + 1, 1 << 30, -(1 << 30), 3, -3, 46341, -46341]
        var pairs: [(Int32, Int32)] = []
        for a in edge { for b in edge { pairs.append((a, b)) } }
        for _ in 0..<20000 { pairs.append((Int32.random(in: .min ... .max, using: &rng), Int32.random(in: .min ... .max, using: &rng))) }
        // exact ties: a*b = (2t+1) * 2^30
        for t in [-3, -2, -1, 0, 1, 2] { pairs.append((Int32((2 * t + 1)), 1 << 30)) }
        for (a, b) in pairs {
            let got = FixedPointMultiplier.saturatingRoundingDoublingHighMul(a, b)
            XCTAssertEqual(got, Definition.srdhm(a, b), "srdhm(\(a), \(b))")
            if !(a == .min && b == .min) {
                // documented equivalent: floor((a*b + 2^30) / 2^31), i.e. ties toward +inf
                let ab = Int64(a) * Int64(b) + (1 << 30)
                XCTAssertEqual(Int64(got), ab >> 31, "floor form (\(a), \(b))")
            }
        }
        XCTAssertEqual(FixedPointMultiplier.saturatingRoundingDoublingHighMul(-1, 1 << 30), 0)   // -0.5 -> 0
        XCTAssertEqual(FixedPointMultiplier.saturatingRoundingDoublingHighMul(1, 1 << 30), 1)    // +0.5 -> 1
        XCTAssertEqual(FixedPointMultiplier.saturatingRoundingDoublingHighMul(-3, 1 << 30), -1)  // -1.5 -> -1
        XCTAssertEqual(FixedPointMultiplier.saturatingRoundingDoublingHighMul(.min, .min), .max)
    }

    func testRoundingDivideByPOTTiesAwayFromZero() {
        XCTAssertEqual(FixedPointMultiplier.roundingDivideByPOT(5, 1), 3)     // 2.5 -> 3
        XCTAssertEqual(FixedPointMultiplier.roundingDivideByPOT(-5, 1), -3)   // -2.5 -> -3
        XCTAssertEqual(FixedPointMultiplier.roundingDivideByPOT(-3, 1), -2)   // -1.5 -> -2
        XCTAssertEqual(FixedPointMultiplier.roundingDivideByPOT(-5, 2), -1)   // -1.25 -> -1
        XCTAssertEqual(FixedPointMultiplier.roundingDivideByPOT(6, 2), 2)     // 1.5 -> 2
        XCTAssertEqual(FixedPointMultiplier.roundingDivideByPOT(-6, 2), -2)   // -1.5 -> -2
        XCTAssertEqual(FixedPointMultiplier.roundingDivideByPOT(7, 0), 7)
        XCTAssertEqual(FixedPointMultiplier.roundingDivideByPOT(Int32.min, 31), -1)
        XCTAssertEqual(FixedPointMultiplier.roundingDivideByPOT(Int32.max, 31), 1)
        var rng = SplitMix64(seed: 22)
        for _ in 0..<20000 {
            let x = Int32.random(in: .min ... .max, using: &rng), e = Int32.random(in: 0...31, using: &rng)
            XCTAssertEqual(FixedPointMultiplier.roundingDivideByPOT(x, e), Definition.rdbpot(x, e), "rdbpot(\(x), \(e))")
        }
    }

    /// Requantization: exactly the fixed-point formula, and within 1 LSB of the real
    /// product (double precision) away from saturation.
    func testRequantizerAgainstDefinitionAndDouble() {
        var rng = SplitMix64(seed: 23)
        let rows = 7, cols = 45
        let wScales = (0..<rows).map { _ in Float.random(in: 0.0005...0.05, using: &rng) }
        let xScale: Float = 0.02, yScale: Float = 0.05
        let biasF = (0..<rows).map { _ in Float.random(in: -2...2, using: &rng) }
        for relu in [false, true] {
            for signed in [false, true] {
                let zo: Int32 = signed ? -5 : 120
                let rq = Requantizer(weightScales: wScales, inputScale: xScale, outputScale: yScale, bias: biasF,
                                     outputZeroPoint: zo, relu: relu, signedOutput: signed)
                var acc = (0..<rows * cols).map { _ in Int32.random(in: -40000...40000, using: &rng) }
                acc[0] = .max / 2; acc[1] = .min / 2; acc[2] = 0; acc[3] = -1
                let out: [Int32] = signed ? rq.requantizeS8(acc, cols: cols, reference: true).map { Int32($0) }
                    : rq.requantizeU8(acc, cols: cols, reference: true).map { Int32($0) }
                let lo: Int32 = signed ? -128 : 0, hi: Int32 = signed ? 127 : 255
                for i in 0..<rows * cols {
                    let m = i / cols
                    let fm = rq.multipliers[m]
                    var y = Definition.mbqm(acc[i] &+ rq.bias![m], fm.multiplier, fm.shift) &+ zo
                    y = max(max(lo, relu ? zo : lo), min(hi, y))
                    XCTAssertEqual(out[i], y, "definition row \(m) acc \(acc[i])")
                    XCTAssertEqual(rq.apply(acc[i], row: m, signedOutput: signed), y)
                    if i >= 4 {
                        let real = Double(wScales[m]) * Double(xScale) / Double(yScale)
                        let exact = (Double(acc[i] &+ rq.bias![m]) * real).rounded() + Double(zo)
                        let clamped = Swift.max(Double(Swift.max(lo, relu ? zo : lo)), Swift.min(Double(hi), exact))
                        XCTAssertLessThanOrEqual(abs(Double(out[i]) - clamped), 1, "double ref row \(m) acc \(acc[i])")
                    }
                }
                XCTAssertEqual(out[0], hi)  // saturation
                XCTAssertEqual(out[1], relu ? max(lo, zo) : lo)
            }
        }
    }

    func testRequantizeSIMDBitExact() throws {
        try XCTSkipIf(simdLevels.isEmpty, "no SIMD level on this CPU")
        var rng = SplitMix64(seed: 24)
        for cols in [1, 7, 31, 32, 33, 64, 100, 257] {
            let rows = 5
            // multipliers incl. > 1 (left shift), tiny, and exactly 0.5
            let reals = [0.5, 1e-4, 0.0371, 3.7, 1.0]
            let mults = reals.map { FixedPointMultiplier(real: $0)! }
            let bias = (0..<rows).map { _ in Int32.random(in: -5000...5000, using: &rng) }
            var acc = (0..<rows * cols).map { _ in Int32.random(in: -3_000_000...3_000_000, using: &rng) }
            for i in stride(from: 0, to: acc.count, by: 11) { acc[i] = [Int32.max, .min, 0, -1, 1 << 20][i % 5] }
            for (zo, qmin, qmax) in [(Int32(128), Int32(0), Int32(255)), (10, 10, 200), (-3, -128, 127), (0, -300, 300)] {
                let rq = Requantizer(multipliers: mults, bias: bias, outputZeroPoint: zo, qmin: qmin, qmax: qmax)
                let refU = rq.requantizeU8(acc, cols: cols, reference: true)
                let refS = rq.requantizeS8(acc, cols: cols, reference: true)
                for level in simdLevels {
                    CPUFeatures.withLevel(level) { _ in
                        XCTAssertEqual(rq.requantizeU8(acc, cols: cols), refU, "\(level) u8 cols=\(cols) zo=\(zo)")
                        XCTAssertEqual(rq.requantizeS8(acc, cols: cols), refS, "\(level) s8 cols=\(cols) zo=\(zo)")
                    }
                }
            }
        }
    }

    func testBiasQuantization() {
        XCTAssertEqual(Requantizer.quantizeBias(0.25, weightScale: 0.5, inputScale: 0.1), 5)
        XCTAssertEqual(Requantizer.quantizeBias(-0.125, weightScale: 0.5, inputScale: 0.5), -1) // -0.5 -> -1
        XCTAssertEqual(Requantizer.quantizeBias(1e30, weightScale: 1e-3, inputScale: 1e-3), Int32.max)
    }
}

private extension Double {
    func clamped(max m: Double) -> Double { Swift.min(self, m) }
}
