import XCTest
@testable import Quantizers

final class PackedSizeTests: XCTestCase {
    func testFormulaExamples() throws {
        // 64×3×3×3 conv, 4-bit per-channel: K = 27 → 1 block of 32 bytes per row, + 64 scales·4.
        XCTAssertEqual(packedWeightBytes(parameterCount: 1728, channels: 64, spec: try QuantizerSpec(parsing: "uniform:4")), 64 * 32 + 256)
        // Asymmetric (scales and zero points stored per row even per-tensor): K = 100 → 2 blocks of 24 bytes.
        XCTAssertEqual(packedWeightBytes(parameterCount: 1000, channels: 10, spec: try QuantizerSpec(parsing: "uniform-asym:3,per-tensor")), 10 * 48 + 80)
        // Binary: K = 5 → one 8-byte block per row + 2·4.
        XCTAssertEqual(packedWeightBytes(parameterCount: 10, channels: 2, spec: try QuantizerSpec(parsing: "binary")), 24)
        // Ternary: one 16-byte block per row + 5·4.
        XCTAssertEqual(packedWeightBytes(parameterCount: 5, channels: 5, spec: try QuantizerSpec(parsing: "ternary,per-tensor")), 100)
        // k-means 2-bit per-channel: 4 rows × 16 + 4 codebooks·4 entries·4 bytes.
        XCTAssertEqual(packedWeightBytes(parameterCount: 100, channels: 4, spec: try QuantizerSpec(parsing: "kmeans:2")), 128)
        // pow2 5-bit: one 40-byte block + 4.
        XCTAssertEqual(packedWeightBytes(parameterCount: 7, channels: 1, spec: try QuantizerSpec(parsing: "pow2:5")), 44)
        // 8-bit per-channel linear 10×24: 10 × 64 + 40.
        XCTAssertEqual(packedWeightBytes(parameterCount: 240, channels: 10, spec: try QuantizerSpec(parsing: "uniform:8")), 680)
        // ResNet-20's 64×64×3×3 conv at 3 bits: K = 576 = 9 blocks of 24 bytes.
        XCTAssertEqual(packedWeightBytes(parameterCount: 36864, channels: 64, spec: try QuantizerSpec(parsing: "uniform:3")), 64 * 9 * 24 + 256)
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
