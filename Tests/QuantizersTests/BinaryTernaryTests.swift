import XCTest
import TensorMath
@testable import Quantizers

final class BinaryTernaryTests: XCTestCase {
    let w: [Float] = [0.9, -0.1, 0.4, -1.2, 0.05, 0.0, 0.3, -0.5]

    func testTWNPerTensorHandComputed() {
        // E|w| = 3.45/8 = 0.43125, Δ = 0.7·0.43125 = 0.301875; |w| > Δ: 0.9, 0.4, 1.2, 0.5
        // (0.3 is just below Δ) → α = 3.0/4 = 0.75.
        let (delta, alpha) = Ternary.parameters(w)
        XCTAssertEqual(delta, 0.301875, accuracy: 1e-7)
        XCTAssertEqual(alpha, 0.75, accuracy: 1e-6)
        let qt = Ternary(granularity: .perTensor).quantize(Tensor(shape: [2, 4], data: w))
        XCTAssertEqual(qt.codes, [1, 0, 1, -1, 0, 0, 0, -1])
        XCTAssertEqual(qt.scales[0], alpha)
        XCTAssertEqual(qt.scheme, .ternary)
        XCTAssertEqual(qt.bits, 2)
    }

    func testTWNPerChannelHandComputed() {
        // Channel 0: E|w| = 0.65, Δ = 0.455 → {0.9, 1.2}, α = 1.05.
        // Channel 1: E|w| = 0.2125, Δ = 0.14875 → {0.3, 0.5}, α = 0.4.
        let qt = Ternary(granularity: .perChannel).quantize(Tensor(shape: [2, 4], data: w))
        XCTAssertEqual(qt.codes, [1, 0, 0, -1, 0, 0, 1, -1])
        XCTAssertEqual(qt.scales[0], 1.05, accuracy: 1e-6)
        XCTAssertEqual(qt.scales[1], 0.4, accuracy: 1e-6)
        XCTAssertEqual(Ternary.parameters(Array(w[4...])).delta, 0.14875, accuracy: 1e-7)
    }

    func testXNORAlphaIsMeanAbsPerChannel() {
        for (name, t) in Synthetic.fixtures {
            let qt = Binary(granularity: .perChannel).quantize(t)
            let size = t.count / t.shape[0]
            for c in 0..<t.shape[0] {
                let slice = t.data[(c * size)..<((c + 1) * size)]
                let mean = slice.reduce(0.0) { $0 + Double(abs($1)) } / Double(size)
                XCTAssertEqual(Double(qt.scales[c]), mean, accuracy: 1e-6 * max(mean, 1e-6), "\(name) channel \(c)")
                for (i, v) in slice.enumerated() {
                    XCTAssertEqual(qt.codes[c * size + i], v >= 0 ? 1 : -1)
                }
            }
            let perTensor = Binary(granularity: .perTensor).quantize(t)
            XCTAssertEqual(Double(perTensor.scales[0]), t.data.reduce(0.0) { $0 + Double(abs($1)) } / Double(t.count), accuracy: 1e-6)
        }
    }

    func testBinarySignOfZeroIsPlus() {
        let qt = Binary(granularity: .perTensor).quantize(Tensor(shape: [4], data: [0, -0.0, 2, -2]))
        XCTAssertEqual(qt.codes, [1, 1, 1, -1])
        XCTAssertEqual(qt.scales, [1])
        XCTAssertEqual(qt.dequantized().data, [1, 1, 1, -1])
        XCTAssertEqual(qt.bits, 1)
    }

    func testAllZeroChannel() {
        let t = Tensor(shape: [2, 3], data: [0, 0, 0, 1, -2, 3])
        XCTAssertEqual(Ternary().fakeQuantize(t).data[0..<3], [0, 0, 0])
        XCTAssertEqual(Binary().fakeQuantize(t).data[0..<3], [0, 0, 0])
    }
}
