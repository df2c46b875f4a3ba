import Foundation
import Inference
import ModelIR
import TensorMath
import TestSupport
import XCTest

/// Every fixture in Tests/ModelIRTests/Fixtures (made by Tests/Fixtures/make_onnx_fixtures.py
/// with onnxruntime) imports and runs to onnxruntime's outputs within 1e-4.
final class OperatorFixtureTests: XCTestCase {
    struct Fixture: Decodable {
        struct Value: Decodable { let name: String; let shape: [Int]; let data: [Float] }
        let model: String
        let inputs: [Value]
        let outputs: [Value]
    }

    static let dir = SharedData.project("Tests/ModelIRTests/Fixtures")

    func fixtures() throws -> [String] {
        try FileManager.default.contentsOfDirectory(atPath: Self.dir).filter { $0.hasSuffix(".json") }.sorted()
    }

    func testEveryFixtureMatchesOnnxRuntime() throws {
        let names = try fixtures()
        XCTAssertGreaterThan(names.count, 40, "fixtures missing; run Tests/Fixtures/make_onnx_fixtures.py")
        var ops = Set<String>()
        for name in names {
            let fx = try JSONDecoder().decode(Fixture.self, from: Data(contentsOf: URL(fileURLWithPath: Self.dir + "/" + name)))
            let graph: Graph
            do { graph = try ONNXImporter.load(Self.dir + "/" + fx.model) } catch {
                XCTFail("\(name): import failed: \(error)"); continue
            }
            for n in graph.nodes { ops.insert(n.op.onnxType) }
            let byName = Dictionary(fx.inputs.map { ($0.name, Tensor(shape: $0.shape, data: $0.data)) }, uniquingKeysWith: { a, _ in a })
            let xs = graph.inputs.compactMap { byName[$0.name] }
            XCTAssertEqual(xs.count, graph.inputs.count, "\(name): inputs")
            for fuse in [false, true] {
                let y: Tensor
                do { y = try Executor(graph: graph, fuseActivations: fuse).run(inputs: xs) } catch {
                    XCTFail("\(name): run failed: \(error)"); continue
                }
                let expected = fx.outputs[0]
                XCTAssertEqual(y.shape, expected.shape, "\(name) shape")
                guard y.count == expected.data.count else { continue }
                var worst: Float = 0
                for (a, b) in zip(y.data, expected.data) { worst = max(worst, abs(a - b) / max(1, abs(b))) }
                XCTAssertLessThanOrEqual(worst, 1e-4, "\(name): max error \(worst) (fuse \(fuse))")
            }
        }
        // Every operator the IR supports is exercised by some fixture.
        let all: Set<String> = ["Conv", "BatchNormalization", "Relu", "Clip", "LeakyRelu", "Sigmoid", "HardSigmoid",
            "HardSwish", "MaxPool", "AveragePool", "GlobalAveragePool", "Add", "Sub", "Mul", "Div", "Concat", "Pad",
            "Slice", "Flatten", "Reshape", "Transpose", "Squeeze", "Unsqueeze", "Gemm", "MatMul", "Softmax",
            "ReduceMean", "Identity"]
        XCTAssertEqual(all.subtracting(ops), [], "operators without a fixture")
    }

    func testBatchNormFoldingKeepsOutputs() throws {
        for name in ["net_torchvision", "net_residual", "batchnorm_opset15"] where FileManager.default.fileExists(atPath: Self.dir + "/\(name).json") {
            let fx = try JSONDecoder().decode(Fixture.self, from: Data(contentsOf: URL(fileURLWithPath: Self.dir + "/\(name).json")))
            let g = try ONNXImporter.load(Self.dir + "/" + fx.model)
            let x = Tensor(shape: fx.inputs[0].shape, data: fx.inputs[0].data)
            let a = try Executor(graph: g).run(x), b = try Executor(graph: g.foldingBatchNorm()).run(x)
            for (u, v) in zip(a.data, b.data) { XCTAssertEqual(u, v, accuracy: 1e-4 * max(1, abs(u)), name) }
        }
    }
}
