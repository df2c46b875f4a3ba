import Foundation
import ModelIR
import ONNXProto
import SwiftProtobuf
import TestSupport
import XCTest

/// Values that would make a later stage trap (a negative kernel, a pad as large as memory, NaN
/// weights, dims whose product overflows) are refused at import with one line naming the file,
/// the node or tensor, and the value. Each case edits one field of a valid fixture, so the
/// fixture itself must import (checked first).
final class ImportValidationTests: XCTestCase {
    let fixture = SharedData.project("Tests/ModelIRTests/Fixtures/net_torchvision.onnx")

    func base() throws -> Onnx_ModelProto {
        try Onnx_ModelProto(serializedBytes: try Data(contentsOf: URL(fileURLWithPath: fixture)))
    }

    /// The import error for `base()` after `edit`, or nil when it imports.
    func importError(_ edit: (inout Onnx_ModelProto) -> Void) throws -> String? {
        var m = try base()
        edit(&m)
        do { _ = try ONNXImporter(file: "edited.onnx").importModel(try m.serializedData()); return nil } catch {
            return "\(error)"
        }
    }

    func assertRefused(_ mentions: [String], line: UInt = #line, _ edit: (inout Onnx_ModelProto) -> Void) throws {
        let message = try importError(edit)
        XCTAssertNotNil(message, "the edited model imported", line: line)
        guard let message else { return }
        XCTAssertTrue(message.hasPrefix("edited.onnx: "), message, line: line)
        XCTAssertFalse(message.contains("\n"), message, line: line)
        for m in mentions { XCTAssertTrue(message.contains(m), "'\(m)' not in: \(message)", line: line) }
    }

    func node(_ m: inout Onnx_ModelProto, _ name: String, _ edit: (inout Onnx_NodeProto) -> Void) {
        let i = m.graph.node.firstIndex { $0.name == name }!
        edit(&m.graph.node[i])
    }

    func setInts(_ n: inout Onnx_NodeProto, _ attribute: String, _ values: [Int64]) {
        let i = n.attribute.firstIndex { $0.name == attribute }!
        n.attribute[i].ints = values
    }

    func testFixtureImports() throws {
        XCTAssertNil(try importError { _ in })
    }

    func testConvWindowMustBeSane() throws {
        try assertRefused(["conv1", "kernel_shape [5, 5]", "3×3"]) { m in node(&m, "conv1") { setInts(&$0, "kernel_shape", [5, 5]) } }
        try assertRefused(["conv1", "pads [1, 1, 4, 1]", "3×3 kernel window"]) { m in node(&m, "conv1") { setInts(&$0, "pads", [1, 1, 4, 1]) } }
        // A conv pad as wide as the window is odd but harmless (border outputs are the bias).
        XCTAssertNil(try importError { m in node(&m, "conv1") { setInts(&$0, "pads", [3, 3, 3, 3]) } })
        try assertRefused(["conv1", "pads"]) { m in node(&m, "conv1") { setInts(&$0, "pads", [Int64(Int32.max), 1, 1, 1]) } }
        try assertRefused(["conv1", "pads"]) { m in node(&m, "conv1") { setInts(&$0, "pads", [-1, 1, 1, 1]) } }
    }

    func testPoolWindowMustBeSane() throws {
        try assertRefused(["maxpool_3", "kernel_shape [-7, 2]"]) { m in node(&m, "maxpool_3") { setInts(&$0, "kernel_shape", [-7, 2]) } }
        try assertRefused(["maxpool_3", "kernel_shape [2, 2147483647]"]) { m in node(&m, "maxpool_3") { setInts(&$0, "kernel_shape", [2, Int64(Int32.max)]) } }
        try assertRefused(["maxpool_3", "strides"]) { m in node(&m, "maxpool_3") { setInts(&$0, "strides", [0, 2]) } }
        // The fixture's 2×2 pool: a pad of 1 is fine, 2 (a window of padding alone) is not.
        XCTAssertNil(try importError { m in node(&m, "maxpool_3") { n in
            var a = Onnx_AttributeProto(); a.name = "pads"; a.type = .ints; a.ints = [1, 1, 1, 1]; n.attribute.append(a)
        } })
        try assertRefused(["maxpool_3", "pads [2, 0, 0, 0]", "must stay below the 2×2 pool window"]) { m in node(&m, "maxpool_3") { n in
            var a = Onnx_AttributeProto(); a.name = "pads"; a.type = .ints; a.ints = [2, 0, 0, 0]; n.attribute.append(a)
        } }
    }

    func testNaNAttributesAndEpsilon() throws {
        try assertRefused(["bn1", "'epsilon' is NaN"]) { m in
            node(&m, "bn1") { n in
                var a = Onnx_AttributeProto(); a.name = "epsilon"; a.type = .float; a.f = .nan
                n.attribute.append(a)
            }
        }
        try assertRefused(["bn1", "epsilon -0.5"]) { m in
            node(&m, "bn1") { n in
                var a = Onnx_AttributeProto(); a.name = "epsilon"; a.type = .float; a.f = -0.5
                n.attribute.append(a)
            }
        }
    }

    func testBatchNormParametersMustFit() throws {
        func edit(_ name: String, _ values: [Float]) -> (inout Onnx_ModelProto) -> Void {
            { m in
                let i = m.graph.initializer.firstIndex { $0.name == name }!
                m.graph.initializer[i].dims = [Int64(values.count)]
                m.graph.initializer[i].rawData = Data()
                m.graph.initializer[i].floatData = values
            }
        }
        try assertRefused(["bn1", "running variance holds negative values"], edit("bn1.running_var", [1, -0.5, 1, 1]))
        try assertRefused(["bn1", "[4, 3, 4, 4] values"], edit("bn1.bias", [0, 0, 0]))
    }

    func testWeightsMustBeFinite() throws {
        for bad: Float in [.nan, .infinity, -.infinity] {
            try assertRefused(["initializer 'conv2.weight'", "NaN or infinite"]) { m in
                let i = m.graph.initializer.firstIndex { $0.name == "conv2.weight" }!
                var t = m.graph.initializer[i]
                if t.rawData.isEmpty {
                    t.floatData[3] = bad
                } else {
                    withUnsafeBytes(of: bad.bitPattern.littleEndian) { t.rawData.replaceSubrange(12..<16, with: $0) }
                }
                m.graph.initializer[i] = t
            }
        }
    }

    func testDimsWhoseProductOverflowsAreRefused() throws {
        try assertRefused(["conv2.weight", "too large"]) { m in
            let i = m.graph.initializer.firstIndex { $0.name == "conv2.weight" }!
            m.graph.initializer[i].dims = [1 << 40, 1 << 40, 3, 3]
        }
    }
}
