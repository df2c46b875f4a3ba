import XCTest
import TensorMath
@testable import Quantizers

final class PowerOfTwoTests: XCTestCase {
    func testLogDomainRounding() throws {
        // bits 3 → n = 3: levels {0, ±1, ±1/2, ±1/4}·s with s = max|w| = 1.
        // Boundaries in the log domain are 2^−½ ≈ 0.7071, 2^−1.5 ≈ 0.3536, 2^−2.5 ≈ 0.1768.
        let w: [Float] = [1.0, 0.8, 0.7, 0.5, 0.36, 0.35, 0.18, 0.17, 0.0, -0.6]
        let qt = try PowerOfTwo(bits: 3, granularity: .perTensor).quantize(Tensor(shape: [10], data: w))
        XCTAssertEqual(qt.codes, [3, 3, 2, 2, 2, 1, 1, 0, 0, -2])
        XCTAssertEqual(qt.dequantized().data, [1, 1, 0.5, 0.5, 0.5, 0.25, 0.25, 0, 0, -0.5])
        XCTAssertEqual(qt.scales, [1])
        XCTAssertEqual(qt.levelCapacity, 7)
    }

    func testScaleIsMaxAbsAndLevelsArePowersOfTwo() throws {
        for (_, t) in Synthetic.fixtures {
            for bits in 2...8 {
                let qt = try PowerOfTwo(bits: bits).quantize(t)
                let deq = qt.dequantized().data
                for g in 0..<qt.groupCount {
                    let s = qt.scales[g]
                    for i in (g * qt.groupSize)..<((g + 1) * qt.groupSize) where deq[i] != 0 {
                        let ratio = abs(deq[i]) / s
                        XCTAssertEqual(ratio.significand, 1, "power of two")
                        XCTAssertGreaterThanOrEqual(Int(ratio.exponent), -((1 << (bits - 1)) - 2))
                    }
                }
            }
        }
    }

    /// Matches the log-domain rule computed directly with log2 on a sweep.
    func testMatchesLog2Definition() throws {
        let n = 7
        let q = try PowerOfTwo(bits: 4, granularity: .perTensor)
        var rng = SplitMix64(seed: 3)
        var values: [Float] = [1]
        for _ in 0..<5000 { values.append(Float(pow(2, -9 * rng.nextUnitDouble())) * (rng.next() & 1 == 0 ? 1 : -1)) }
        let qt = q.quantize(Tensor(shape: [values.count], data: values))
        for (i, v) in values.enumerated() {
            let e = -Int(log2(Double(abs(v))).rounded())
            let expected = e > n - 1 ? 0 : Int32(n - e) * (v < 0 ? -1 : 1)
            XCTAssertEqual(qt.codes[i], expected, "\(v)")
        }
    }
}
