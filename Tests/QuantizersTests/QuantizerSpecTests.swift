import XCTest
import Foundation
@testable import Quantizers

final class QuantizerSpecTests: XCTestCase {
    func testParseShortForms() throws {
        let a = try QuantizerSpec(parsing: "uniform:4,clip=mse")
        XCTAssertEqual(a, try QuantizerSpec(.uniform, bits: 4, granularity: .perChannel, clip: .mse))
        let b = try QuantizerSpec(parsing: "uniform-asym:8,per-tensor,clip=percentile:99.99")
        XCTAssertEqual(b.quantizer, .uniformAsym)
        XCTAssertEqual(b.granularity, .perTensor)
        XCTAssertEqual(b.clip, .percentile(99.99))
        XCTAssertEqual(try QuantizerSpec(parsing: "binary").bits, 1)
        XCTAssertEqual(try QuantizerSpec(parsing: "ternary,per-tensor").bits, 2)
        XCTAssertEqual(try QuantizerSpec(parsing: "kmeans:3,iterations=10").iterations, 10)
        XCTAssertEqual(try QuantizerSpec(parsing: "pow2:5").bits, 5)
        XCTAssertEqual(try QuantizerSpec(parsing: "uniform").bits, 8)
        XCTAssertEqual(try QuantizerSpec(parsing: "uniform:3,seed=9").rounding, .stochastic(seed: 9))
        XCTAssertEqual(try QuantizerSpec(parsing: "UNIFORM:3, tensor"), try QuantizerSpec(.uniform, bits: 3, granularity: .perTensor))
        XCTAssertEqual(try QuantizerSpec(name: "uniform", bits: 4, granularity: "per-tensor", clip: "percentile:99.9"),
                       try QuantizerSpec(.uniform, bits: 4, granularity: .perTensor, clip: .percentile(99.9)))
    }

    func testDescriptionRoundTrips() throws {
        for text in ["uniform:4,clip=mse", "uniform-asym:2,per-tensor,clip=percentile:99.9", "pow2:6", "kmeans:2",
                     "binary,per-tensor", "ternary", "uniform:8,seed=123", "uniform:4,clip=percentile:100"] {
            let spec = try QuantizerSpec(parsing: text)
            XCTAssertEqual(try QuantizerSpec(parsing: spec.description), spec, spec.description)
        }
        XCTAssertEqual(try QuantizerSpec(parsing: "uniform:4,clip=mse").description, "uniform:4,per-channel,clip=mse")
    }

    func testErrors() {
        XCTAssertThrowsError(try QuantizerSpec(parsing: "linear:4")) { error in
            XCTAssertEqual(error as? QuantizerError,
                           .unknownQuantizer("linear", valid: ["uniform", "uniform-asym", "pow2", "kmeans", "binary", "ternary"]))
            XCTAssertTrue("\(error)".contains("uniform, uniform-asym, pow2, kmeans, binary, ternary"))
        }
        XCTAssertThrowsError(try QuantizerSpec(parsing: "binary:2")) {
            XCTAssertEqual($0 as? QuantizerError, .invalidBits(quantizer: "binary", bits: 2, allowed: 1...1))
        }
        XCTAssertThrowsError(try QuantizerSpec(parsing: "ternary:1"))
        XCTAssertThrowsError(try QuantizerSpec(parsing: "uniform:1"))
        XCTAssertThrowsError(try QuantizerSpec(parsing: "uniform:9"))
        XCTAssertThrowsError(try QuantizerSpec(parsing: "uniform:x"))
        XCTAssertThrowsError(try QuantizerSpec(parsing: "pow2:4,clip=mse"))
        XCTAssertThrowsError(try QuantizerSpec(parsing: "kmeans:4,seed=3"))
        XCTAssertThrowsError(try QuantizerSpec(parsing: "uniform:4,iterations=3"))
        XCTAssertThrowsError(try QuantizerSpec(parsing: "uniform:4,clip=p99"))
        XCTAssertThrowsError(try QuantizerSpec(parsing: "uniform:4,clip=percentile:20")) {
            XCTAssertEqual($0 as? QuantizerError, .invalidPercentile(20))
        }
        XCTAssertThrowsError(try QuantizerSpec(parsing: "uniform:4,color=red"))
        XCTAssertThrowsError(try QuantizerSpec(parsing: ""))
        XCTAssertThrowsError(try QuantizerSpec(name: "uniform", granularity: "per-row"))
    }

    func testJSON() throws {
        let json = #"{"quantizer":"uniform","bits":4,"granularity":"per-channel","clip":"mse"}"#
        let spec = try JSONDecoder().decode(QuantizerSpec.self, from: Data(json.utf8))
        XCTAssertEqual(spec, try QuantizerSpec(.uniform, bits: 4, granularity: .perChannel, clip: .mse))
        let encoder = JSONEncoder()
        encoder.outputFormatting = .sortedKeys
        XCTAssertEqual(String(decoding: try encoder.encode(spec), as: UTF8.self),
                       #"{"bits":4,"clip":"mse","granularity":"per-channel","quantizer":"uniform"}"#)
        for text in ["kmeans:3,per-tensor", "binary", "uniform-asym:5,clip=percentile:99.5,seed=4", "ternary"] {
            let s = try QuantizerSpec(parsing: text)
            XCTAssertEqual(try JSONDecoder().decode(QuantizerSpec.self, from: try JSONEncoder().encode(s)), s)
        }
        let minimal = try JSONDecoder().decode(QuantizerSpec.self, from: Data(#"{"quantizer":"ternary"}"#.utf8))
        XCTAssertEqual(minimal.bits, 2)
        XCTAssertThrowsError(try JSONDecoder().decode(QuantizerSpec.self, from: Data(#"{"quantizer":"binary","bits":3}"#.utf8)))
        XCTAssertThrowsError(try JSONDecoder().decode(QuantizerSpec.self, from: Data(#"{"quantizer":"uniform","clip":"max"}"#.utf8)))
    }

    func testMakeQuantizer() throws {
        XCTAssertTrue(try QuantizerSpec(parsing: "uniform:4").makeQuantizer() is UniformSymmetric)
        XCTAssertTrue(try QuantizerSpec(parsing: "uniform-asym:4").makeQuantizer() is UniformAsymmetric)
        XCTAssertTrue(try QuantizerSpec(parsing: "pow2:4").makeQuantizer() is PowerOfTwo)
        XCTAssertTrue(try QuantizerSpec(parsing: "kmeans:4").makeQuantizer() is KMeansCodebook)
        XCTAssertTrue(try QuantizerSpec(parsing: "binary").makeQuantizer() is Binary)
        XCTAssertTrue(try QuantizerSpec(parsing: "ternary").makeQuantizer() is Ternary)
        let q = try QuantizerSpec(parsing: "uniform:5,per-tensor,clip=mse,seed=2").makeQuantizer() as! UniformSymmetric
        XCTAssertEqual(q.bits, 5)
        XCTAssertEqual(q.granularity, .perTensor)
        XCTAssertEqual(q.clip, .mse)
        XCTAssertEqual(q.rounding, .stochastic(seed: 2))
        XCTAssertEqual(try QuantizerSpec(parsing: "uniform:4,clip=mse").with(bits: 6), try QuantizerSpec(parsing: "uniform:6,clip=mse"))
        XCTAssertThrowsError(try QuantizerSpec(parsing: "uniform:4").with(bits: 1))
    }
}
