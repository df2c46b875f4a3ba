import XCTest
import TensorMath
@testable import Quantizers

/// Properties every weight quantizer must have, swept over bits 1...8, both granularities
/// and the fixture tensors.
final class QuantizerPropertyTests: XCTestCase {
    func testLevelCountWithinBitBudget() {
        for c in Sweep.cases {
            let qt = c.quantized
            let budget: Int
            switch qt.scheme {
            case .binary: budget = 2
            case .ternary: budget = 3
            default: budget = 1 << c.quantizer.bits
            }
            XCTAssertLessThanOrEqual(qt.levelCapacity, budget, c.label)
            for g in 0..<qt.groupCount {
                XCTAssertLessThanOrEqual(qt.distinctLevelCount(group: g), qt.levelCapacity, "\(c.label) group \(g)")
                // Distinct dequantized values in the group are within budget too.
                let values = c.fake.data[(g * qt.groupSize)..<((g + 1) * qt.groupSize)]
                XCTAssertLessThanOrEqual(Set(values.map { $0 == 0 ? 0 : $0 }).count, budget, "\(c.label) group \(g)")
            }
            XCTAssertLessThanOrEqual(qt.distinctLevelCount, budget, c.label)
        }
    }

    /// Exact idempotence: the fake-quantized tensor, quantized again from scratch
    /// (parameters and clip ranges recomputed), is reproduced bit for bit.
    func testIdempotent() {
        for c in Sweep.cases {
            XCTAssertEqual(c.quantizer.fakeQuantize(c.fake).data, c.fake.data, "\(c.label): Q(Q(w)) != Q(w)")
        }
    }

    func testCodesInDocumentedRange() {
        for c in Sweep.cases {
            let (q, qt, w, label) = (c.quantizer, c.quantized, c.w, c.label)
            XCTAssertEqual(qt.codes.count, w.count)
            XCTAssertEqual(qt.shape, w.shape)
            XCTAssertEqual(qt.groupCount, q.granularity == .perChannel ? w.shape[0] : 1)
            XCTAssertEqual(qt.bits, q.bits)
            let range: ClosedRange<Int32>
            switch qt.scheme {
            case let .affine(qmin, qmax):
                range = qmin...qmax
                if q is UniformSymmetric {
                    let m = Int32((1 << (q.bits - 1)) - 1)
                    XCTAssertEqual(range, -m...m, label)
                    XCTAssertTrue(qt.zeroPoints.allSatisfy { $0 == 0 }, label)
                } else {
                    XCTAssertEqual(range, 0...Int32((1 << q.bits) - 1), label)
                    XCTAssertTrue(qt.zeroPoints.allSatisfy { range.contains($0) }, label)
                }
                XCTAssertTrue(qt.scales.allSatisfy { $0 > 0 && canonicalScale($0) == $0 }, "\(label): scales canonical")
            case .binary: range = -1...1; XCTAssertFalse(qt.codes.contains(0), label)
            case .ternary: range = -1...1
            case .powerOfTwo: let n = Int32((1 << (q.bits - 1)) - 1); range = -n...n
            case .codebook(let book):
                range = 0...Int32((1 << q.bits) - 1)
                XCTAssertEqual(book.count, qt.groupCount << q.bits, label)
            }
            XCTAssertTrue(qt.codes.allSatisfy { range.contains($0) }, "\(label): code outside \(range)")
        }
    }

    /// fakeQuantize is dequantize(quantize(w)), and quantizing is deterministic.
    func testDequantizedEqualsFakeQuantize() {
        for c in Sweep.cases {
            XCTAssertEqual(c.quantizer.fakeQuantize(c.w), c.fake, c.label)
        }
    }

    func testSignSymmetry() {
        for c in Sweep.cases where !(c.quantizer is UniformAsymmetric) && !(c.quantizer is KMeansCodebook) {
            // Binary maps 0 to +α on both sides, so its inputs avoid exact zeros.
            let input = c.quantizer is Binary ? Tensor(shape: c.w.shape, data: c.w.data.map { $0 == 0 ? 1e-3 : $0 }) : c.w
            let positive = c.quantizer is Binary ? c.quantizer.fakeQuantize(input).data : c.fake.data
            let negated = c.quantizer.fakeQuantize(Tensor(shape: c.w.shape, data: input.data.map { -$0 })).data
            XCTAssertEqual(positive, negated.map { -$0 }, "\(c.label): Q(-w) != -Q(w)")
        }
    }

    func testPerChannelGroupsAreIndependent() {
        // Quantizing a channel alone gives the same codes and scale as inside the tensor.
        let w = Synthetic.fixtures[0].tensor
        let size = w.count / w.shape[0]
        for (label, q) in Configurations.all(.perChannel) {
            let whole = q.quantize(w)
            for c in [0, 5] {
                let slice = Tensor(shape: [1, size], data: Array(w.data[(c * size)..<((c + 1) * size)]))
                let alone = q.quantize(slice)
                XCTAssertEqual(Array(whole.codes[(c * size)..<((c + 1) * size)]), alone.codes, label)
                XCTAssertEqual(whole.scales[c], alone.scales[0], label)
                XCTAssertEqual(whole.zeroPoints[c], alone.zeroPoints[0], label)
            }
        }
    }

    func testInvalidBitsThrow() {
        XCTAssertThrowsError(try UniformSymmetric(bits: 1)) {
            XCTAssertEqual($0 as? QuantizerError, .invalidBits(quantizer: "uniform", bits: 1, allowed: 2...8))
        }
        XCTAssertThrowsError(try UniformSymmetric(bits: 9))
        XCTAssertThrowsError(try UniformAsymmetric(bits: 0))
        XCTAssertThrowsError(try UniformAsymmetric(bits: 9))
        XCTAssertThrowsError(try PowerOfTwo(bits: 1))
        XCTAssertThrowsError(try KMeansCodebook(bits: 9))
        XCTAssertThrowsError(try KMeansCodebook(bits: 3, maxIterations: -1))
        XCTAssertThrowsError(try UniformSymmetric(bits: 4, clip: .percentile(40))) {
            XCTAssertEqual($0 as? QuantizerError, .invalidPercentile(40))
        }
        XCTAssertThrowsError(try UniformAsymmetric(bits: 4, clip: .percentile(100.5)))
        XCTAssertTrue("\(QuantizerError.invalidBits(quantizer: "pow2", bits: 1, allowed: 2...8))".contains("2...8"))
    }

    func testEmptyAndScalarTensors() {
        let empty = Tensor(shape: [0, 3], data: [])
        let scalar = Tensor(shape: [], data: [0.7])
        for (label, q) in Configurations.everything {
            XCTAssertEqual(q.fakeQuantize(empty).count, 0, label)
            let s = q.quantize(scalar)
            XCTAssertEqual(s.groupCount, 1, label)
            XCTAssertEqual(s.dequantized().count, 1, label)
        }
    }
}
