import XCTest
import TensorMath
@testable import Quantizers

final class KMeansTests: XCTestCase {
    func testTwoClusters() throws {
        let w = Tensor(shape: [6], data: [0, 0.1, 0.2, 5, 5.1, 5.2])
        let qt = try KMeansCodebook(bits: 1, granularity: .perTensor).quantize(w)
        guard case .codebook(let book) = qt.scheme else { return XCTFail() }
        XCTAssertEqual(book.count, 2)
        XCTAssertEqual(book[0], 0.1, accuracy: 1e-6)
        XCTAssertEqual(book[1], 5.1, accuracy: 1e-6)
        XCTAssertEqual(qt.codes, [0, 0, 0, 1, 1, 1])
    }

    func testFewDistinctValuesAreExact() throws {
        let w = Tensor(shape: [2, 5], data: [3, 1, 3, 2, 1, -1, -1, -1, 4, 4])
        let qt = try KMeansCodebook(bits: 2).quantize(w)
        XCTAssertEqual(qt.dequantized(), w)
        guard case .codebook(let book) = qt.scheme else { return XCTFail() }
        XCTAssertEqual(book, [1, 2, 3, 3, -1, 4, 4, 4])   // sorted, padded with the largest
        XCTAssertEqual(qt.codes, [2, 0, 2, 1, 0, 0, 0, 0, 1, 1])
    }

    func testLloydImprovesOnUniformInitAndMoreBitsHelp() throws {
        let w = Synthetic.fixtures[0].tensor
        var previous = Double.infinity
        for bits in 1...6 {
            let km = QuantizationMetrics.mse(w, try KMeansCodebook(bits: bits, granularity: .perTensor).fakeQuantize(w))
            let initOnly = QuantizationMetrics.mse(w, try KMeansCodebook(bits: bits, granularity: .perTensor, maxIterations: 0).fakeQuantize(w))
            XCTAssertLessThanOrEqual(km, initOnly, "bits \(bits)")
            XCTAssertLessThan(km, previous, "bits \(bits)")
            previous = km
        }
    }

    func testCodebookSortedAndCodesNearest() throws {
        for (_, t) in Synthetic.fixtures {
            let q = try KMeansCodebook(bits: 3)
            let qt = q.quantize(t)
            guard case .codebook(let book) = qt.scheme else { return XCTFail() }
            for g in 0..<qt.groupCount {
                let c = Array(book[(g * 8)..<((g + 1) * 8)])
                XCTAssertEqual(c, c.sorted())
                for i in (g * qt.groupSize)..<((g + 1) * qt.groupSize) {
                    let x = Double(t.data[i])
                    let best = c.map { abs(Double($0) - x) }.min()!
                    XCTAssertEqual(abs(Double(c[Int(qt.codes[i])]) - x), best)
                }
            }
        }
    }
}
