import XCTest
@testable import Quantizers

final class PackedSizeTests: XCTestCase {
    func testFormulaExamples() throws {
        // 64×3×3×3 conv, 4-bit per-channel: 1728·4/8 = 864 code bytes + 64 scales·4.
        XCTAssertEqual(packedWeightBytes(parameterCount: 1728, channels: 64, spec: try QuantizerSpec(parsing: "uniform:4")), 1120)
        // Asymmetric per-tensor: ⌈3000/8⌉ = 375 + scale 4 + zero point 4.
        XCTAssertEqual(packedWeightBytes(parameterCount: 1000, channels: 10, spec: try QuantizerSpec(parsing: "uniform-asym:3,per-tensor")), 383)
        // Binary per-channel: ⌈10/8⌉ = 2 + 2·4.
        XCTAssertEqual(packedWeightBytes(parameterCount: 10, channels: 2, spec: try QuantizerSpec(parsing: "binary")), 10)
        // Ternary per-tensor: ⌈5·2/8⌉ = 2 + 4.
        XCTAssertEqual(packedWeightBytes(parameterCount: 5, channels: 5, spec: try QuantizerSpec(parsing: "ternary,per-tensor")), 6)
        // k-means 2-bit per-channel: 25 + 4 codebooks·4 entries·4 bytes.
        XCTAssertEqual(packedWeightBytes(parameterCount: 100, channels: 4, spec: try QuantizerSpec(parsing: "kmeans:2")), 89)
        // pow2 5-bit: ⌈35/8⌉ = 5 + 4.
        XCTAssertEqual(packedWeightBytes(parameterCount: 7, channels: 1, spec: try QuantizerSpec(parsing: "pow2:5")), 9)
        // 8-bit per-channel linear 10×24.
        XCTAssertEqual(packedWeightBytes(parameterCount: 240, channels: 10, spec: try QuantizerSpec(parsing: "uniform:8")), 280)
    }

    func testQuantizedTensorAgreesWithFormula() throws {
        for (_, t) in Synthetic.fixtures {
            for text in ["uniform:3", "uniform-asym:5,per-tensor", "pow2:4", "kmeans:2,per-tensor", "kmeans:3",
                         "binary", "ternary,per-tensor", "uniform:8,per-tensor", "uniform-asym:1"] {
                let spec = try QuantizerSpec(parsing: text)
                let qt = try spec.makeQuantizer().quantize(t)
                XCTAssertEqual(qt.packedByteCount, packedWeightBytes(parameterCount: t.count, channels: t.shape[0], spec: spec), text)
            }
        }
    }

    func testFewerBitsNeverCostMore() throws {
        for bits in 2..<8 {
            let lo = packedWeightBytes(parameterCount: 600_000, channels: 512, spec: try QuantizerSpec(.uniform, bits: bits))
            let hi = packedWeightBytes(parameterCount: 600_000, channels: 512, spec: try QuantizerSpec(.uniform, bits: bits + 1))
            XCTAssertLessThan(lo, hi)
        }
    }
}
