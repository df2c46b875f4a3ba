import Foundation
import Inference
import ModelIR
import TensorMath
import TestSupport
import XCTest

/// Bad model files fail with one clear line naming the file — never a crash.
final class ImportErrorTests: XCTestCase {
    let dir = SharedData.project("Tests/ModelIRTests/Fixtures")

    func message(_ path: String) -> String? {
        do { _ = try ONNXImporter.load(path); return nil } catch { return "\(error)" }
    }

    func testCorruptFile() {
        let m = message(dir + "/corrupt.onnx")
        XCTAssertNotNil(m)
        XCTAssertTrue(m!.hasPrefix(dir + "/corrupt.onnx: "), m!)
        XCTAssertFalse(m!.contains("\n"))
    }

    func testTruncatedFile() {
        let m = message(dir + "/truncated.onnx")
        XCTAssertNotNil(m)
        XCTAssertTrue(m!.contains("truncated.onnx"), m!)
    }

    func testUnknownOperatorListsOpNodeAndSupportedSet() {
        let m = message(dir + "/unknown_op.onnx") ?? ""
        XCTAssertTrue(m.contains("FancyOp") && m.contains("fancy_1") && m.contains("Conv, Div"), m)
    }

    func testMissingAndEmptyFiles() throws {
        XCTAssertTrue(message("/nonexistent/model.onnx")?.contains("no such file") ?? false)
        let empty = NSTemporaryDirectory() + "bitbudget-empty-\(getpid()).onnx"
        XCTAssertTrue(FileManager.default.createFile(atPath: empty, contents: Data()))
        defer { try? FileManager.default.removeItem(atPath: empty) }
        XCTAssertTrue(message(empty)?.contains("empty file") ?? false)
    }

    func testEveryPrefixOfAValidModelFailsCleanlyOrImports() throws {
        // Truncation at any byte must never trap; a prefix either fails with a message or is a valid graph.
        let data = try Data(contentsOf: URL(fileURLWithPath: dir + "/net_residual.onnx"))
        for cut in stride(from: 0, to: data.count, by: max(1, data.count / 97)) {
            _ = try? ONNXImporter(file: "prefix").importModel(data.prefix(cut))
        }
    }

    func testWrongInputShapeIsAnExecutionError() throws {
        let g = try ONNXImporter.load(dir + "/net_torchvision.onnx")
        let exec = try Executor(graph: g)
        XCTAssertThrowsError(try exec.run(Tensor(zeros: [2, 7, 8, 8]))) { e in
            XCTAssertTrue("\(e)".contains("channels"), "\(e)")
        }
    }
}
