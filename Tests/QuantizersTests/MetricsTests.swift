import XCTest
import TensorMath
@testable import Quantizers

final class MetricsTests: XCTestCase {
    func testValues() {
        XCTAssertEqual(QuantizationMetrics.mse([1, 2], [1, 4]), 2)
        XCTAssertEqual(QuantizationMetrics.mse([], []), 0)
        XCTAssertEqual(QuantizationMetrics.sqnr(signal: [3, 4], quantized: [3, 3]), 10 * log10(25.0), accuracy: 1e-12)
        XCTAssertEqual(QuantizationMetrics.sqnr(signal: [3, 4], quantized: [3, 4]), .infinity)
        XCTAssertEqual(QuantizationMetrics.cosineSimilarity([1, 0], [0, 1]), 0)
        XCTAssertEqual(QuantizationMetrics.cosineSimilarity([1, 2], [2, 4]), 1, accuracy: 1e-12)
        XCTAssertEqual(QuantizationMetrics.cosineSimilarity([1, 2], [-1, -2]), -1, accuracy: 1e-12)
        let a = Tensor(shape: [2], data: [1, 2]), b = Tensor(shape: [2], data: [1, 4])
        XCTAssertEqual(QuantizationMetrics.mse(a, b), 2)
        XCTAssertEqual(QuantizationMetrics.cosineSimilarity(a, a), 1, accuracy: 1e-12)
        XCTAssertGreaterThan(QuantizationMetrics.sqnr(signal: a, quantized: b), 0)
    }

    /// Symmetric min-max on Gaussian data: SQNR grows by 20·log10((2^b − 1)/(2^(b−1) − 1))
    /// per added bit (the step is c/(2^(b−1) − 1)), approaching the textbook 6.02 dB.
    func testSQNRGrowsAboutSixDBPerBit() throws {
        let w = Tensor(shape: [1, 4096], data: Synthetic.gaussian(4096, seed: 8))
        var previous = -Double.infinity
        for bits in 2...8 {
            let s = QuantizationMetrics.sqnr(signal: w, quantized: try UniformSymmetric(bits: bits, granularity: .perTensor).fakeQuantize(w))
            if bits > 3 {
                let expected = 20 * log10(Double((1 << (bits - 1)) - 1) / Double((1 << (bits - 2)) - 1))
                XCTAssertEqual(s - previous, expected, accuracy: 0.5, "bits \(bits)")
            }
            previous = s
        }
    }
}
