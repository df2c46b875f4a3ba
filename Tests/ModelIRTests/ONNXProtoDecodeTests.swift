import Foundation
import ONNXProto
import SwiftProtobuf
import XCTest

/// Decodes real ONNX files with the generated ONNX subset (Sources/ONNXProto).
///
/// The shared models live outside the repository in `../shared/models` relative
/// to the package root. When they are absent the shared-model tests are skipped,
/// unless `BITBUDGET_REQUIRE_SHARED=1`, in which case they fail.
struct MissingSharedFile: Error, CustomStringConvertible {
    let message: String
    var description: String { message }
}

final class ONNXProtoDecodeTests: XCTestCase {
    /// Package root: Tests/ModelIRTests/<this file> -> three levels up.
    static let packageRoot: URL = URL(fileURLWithPath: #filePath)
        .deletingLastPathComponent()  // ModelIRTests
        .deletingLastPathComponent()  // Tests
        .deletingLastPathComponent()  // package root

    static var sharedModels: URL {
        packageRoot.appendingPathComponent("../shared/models").standardizedFileURL
    }

    /// Returns the path of a shared model, or skips/fails when it is missing.
    func sharedModel(_ name: String) throws -> URL {
        let url = Self.sharedModels.appendingPathComponent(name)
        if FileManager.default.fileExists(atPath: url.path) { return url }
        let message = "shared model not found: \(url.path)"
        if ProcessInfo.processInfo.environment["BITBUDGET_REQUIRE_SHARED"] == "1" {
            throw MissingSharedFile(message: message + " (BITBUDGET_REQUIRE_SHARED=1)")
        }
        throw XCTSkip(message)
    }

    func decode(_ url: URL) throws -> Onnx_ModelProto {
        let data = try Data(contentsOf: url)
        return try Onnx_ModelProto(serializedBytes: data)
    }

    func testDecodeResNet20() throws {
        let model = try decode(try sharedModel("resnet20_cifar10.onnx"))

        let defaultDomain = model.opsetImport.filter { $0.domain.isEmpty || $0.domain == "ai.onnx" }
        XCTAssertEqual(defaultDomain.count, 1)
        XCTAssertEqual(defaultDomain.first?.version, 13)

        let graph = model.graph
        XCTAssertEqual(graph.node.filter { $0.opType == "Conv" }.count, 19)
        XCTAssertEqual(graph.initializer.count, 103)

        let metadata = Dictionary(model.metadataProps.map { ($0.key, $0.value) },
                                  uniquingKeysWith: { first, _ in first })
        XCTAssertEqual(metadata["mean"], "0.485,0.456,0.406")
        XCTAssertNotNil(metadata["std"])

        // Input declared as [N, 3, 32, 32] with a symbolic batch dimension.
        XCTAssertEqual(graph.input.count, 1)
        let dims = graph.input[0].type.tensorType.shape.dim
        XCTAssertEqual(dims.count, 4)
        if case .dimParam(let name)? = dims.first?.value {
            XCTAssertFalse(name.isEmpty)
        } else {
            XCTFail("expected a symbolic batch dimension, got \(String(describing: dims.first?.value))")
        }
        XCTAssertEqual(dims.dropFirst().map(\.dimValue), [3, 32, 32])

        // First conv weight: FLOAT, [16, 3, 3, 3], stored as raw little-endian bytes.
        let conv = try XCTUnwrap(graph.node.first { $0.opType == "Conv" })
        let weight = try XCTUnwrap(graph.initializer.first { $0.name == conv.input[1] })
        XCTAssertEqual(weight.dataType, Int32(Onnx_TensorProto.DataType.float.rawValue))
        XCTAssertEqual(weight.dims, [16, 3, 3, 3])
        XCTAssertEqual(weight.rawData.count, 16 * 3 * 3 * 3 * 4)
    }

    func testRoundTripKeepsBytes() throws {
        let url = try sharedModel("resnet20_cifar10.onnx")
        let original = try Data(contentsOf: url)
        let model = try Onnx_ModelProto(serializedBytes: original)
        let again: Data = try model.serializedBytes()
        let reparsed = try Onnx_ModelProto(serializedBytes: again)
        XCTAssertEqual(reparsed, model)
        XCTAssertEqual(again.count, original.count)
    }

    func testDecodeFixedBatchModelWithoutMetadata() throws {
        let model = try decode(try sharedModel("resnet2b_cifar10_vnncomp.onnx"))
        XCTAssertEqual(model.opsetImport.first?.version, 9)
        XCTAssertTrue(model.metadataProps.isEmpty)
        XCTAssertEqual(model.graph.input.first?.type.tensorType.shape.dim.map(\.dimValue), [1, 3, 32, 32])
    }

    // MARK: - Committed fixtures (Tests/ModelIRTests/Fixtures)

    static let badFixtures: Set<String> = ["corrupt.onnx", "truncated.onnx", "unknown_op.onnx"]

    func fixturesDirectory() throws -> URL {
        Self.packageRoot.appendingPathComponent("Tests/ModelIRTests/Fixtures")
    }

    func testAllGoodFixturesDecode() throws {
        let dir = try fixturesDirectory()
        let names = try FileManager.default.contentsOfDirectory(atPath: dir.path)
            .filter { $0.hasSuffix(".onnx") && !Self.badFixtures.contains($0) }
            .sorted()
        XCTAssertGreaterThan(names.count, 30)
        for name in names {
            let model = try decode(dir.appendingPathComponent(name))
            XCTAssertFalse(model.graph.node.isEmpty, name)
            XCTAssertFalse(model.opsetImport.isEmpty, name)
            XCTAssertFalse(model.graph.output.isEmpty, name)
        }
    }

    func testBadFixtures() throws {
        let dir = try fixturesDirectory()
        XCTAssertThrowsError(try decode(dir.appendingPathComponent("corrupt.onnx")))
        XCTAssertThrowsError(try decode(dir.appendingPathComponent("truncated.onnx")))
        // Decodes fine: rejecting the unknown operator is the importer's job.
        let model = try decode(dir.appendingPathComponent("unknown_op.onnx"))
        let fancy = try XCTUnwrap(model.graph.node.first { $0.opType == "FancyOp" })
        XCTAssertEqual(fancy.name, "fancy_1")
        XCTAssertEqual(fancy.domain, "")
    }
}
