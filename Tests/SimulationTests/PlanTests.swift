import Foundation
import Inference
import ModelIR
import Quantizers
import Simulation
import TensorMath
import TestSupport
import XCTest

final class PlanTests: XCTestCase {
    let fixture = SharedData.project("Tests/ModelIRTests/Fixtures/net_torchvision.onnx")

    func tmp(_ name: String, _ text: String) -> String {
        let p = NSTemporaryDirectory() + "bitbudget-\(getpid())-\(name)"
        XCTAssertTrue(FileManager.default.createFile(atPath: p, contents: Data(text.utf8)))
        return p
    }

    func loadError(_ text: String) -> String {
        let p = tmp("plan.json", text)
        do { _ = try QuantizationPlan.load(p); return "" } catch { return "\(error)" }
    }

    func testMalformedPlansGiveOneLineErrorsNamingTheFile() {
        let cases = [
            ("{", "malformed plan JSON"),
            (#"{"layers": [{"name": "c", "weight": {"quantizer": "uniform", "bits": 9}}]}"#, "bits"),
            (#"{"layers": [{"name": "c", "weight": {"quantizer": "fancy", "bits": 4}}]}"#, "fancy"),
            (#"{"layers": [{"name": "c", "weight": {"quantizer": "uniform", "bits": 4}, "activation_bits": 1}]}"#, "activation_bits 1"),
            (#"{"version": 7, "layers": []}"#, "version 7"),
            (#"{"layers": [{"name": "c", "weight": {"quantizer": "uniform"}}, {"name": "c", "weight": {"quantizer": "uniform"}}]}"#, "twice"),
        ]
        for (text, needle) in cases {
            let m = loadError(text)
            XCTAssertTrue(m.contains("plan.json: ") && m.contains(needle) && !m.contains("\n"), "\(text) → \(m)")
        }
    }

    func testUnknownLayerIsRejectedAgainstTheModel() throws {
        let plan = QuantizationPlan(layers: [.init(name: "no_such_conv", weight: try QuantizerSpec(.uniform, bits: 4))])
        XCTAssertThrowsError(try plan.validate(against: ["conv1", "conv2"], file: "p.json")) { e in
            XCTAssertTrue("\(e)".contains("unknown layer 'no_such_conv'"), "\(e)")
        }
    }

    func testRoundTripThroughJSON() throws {
        let plan = QuantizationPlan(model: "m.onnx", layers: [
            .init(name: "a", weight: try QuantizerSpec(.uniform, bits: 3, clip: .mse), activationBits: 8),
            .init(name: "b", weight: try QuantizerSpec(.ternary)),
        ])
        let p = NSTemporaryDirectory() + "bitbudget-\(getpid())-rt.json"
        try plan.write(to: p)
        XCTAssertEqual(try QuantizationPlan.load(p), plan)
    }

    func simulator() throws -> Simulator {
        let g = try ONNXImporter.load(fixture).foldingBatchNorm()
        var rng = SplitMix64(seed: 1)
        let shape = g.inputs[0].shape.dropFirst().map { $0 ?? 8 }
        let x = Tensor(shape: [16] + shape, data: (0..<(16 * shape.reduce(1, *))).map { _ in rng.nextUnitFloat() * 2 - 1 })
        return try Simulator(graph: g, inputShape: Array(shape), calibration: x, metricImages: 4)
    }

    /// A BatchNorm with variance + epsilon = 0 folds into infinite weights: the simulator refuses
    /// them with the layer named instead of handing them to a quantizer's rounding.
    func testInfiniteFoldedWeightsAreRefused() throws {
        var g = try ONNXImporter.load(fixture)
        let bn = g.nodes.firstIndex { if case .batchNorm = $0.op { return true } else { return false } }!
        g.nodes[bn].op = .batchNorm(epsilon: 0)
        var v = g.initializers[g.nodes[bn].inputs[4]]!
        v.data[0] = 0
        g.initializers[g.nodes[bn].inputs[4]] = v
        let folded = g.foldingBatchNorm()
        let shape = folded.inputs[0].shape.dropFirst().map { $0 ?? 8 }
        let x = Tensor(shape: [2] + shape, data: [Float](repeating: 0.5, count: 2 * shape.reduce(1, *)))
        XCTAssertThrowsError(try Simulator(graph: folded, inputShape: Array(shape), calibration: x)) { e in
            XCTAssertTrue("\(e)".contains("NaN or infinite"), "\(e)")
        }
    }

    func testFloatPlanLeavesTheModelUnchanged() throws {
        let sim = try simulator()
        let q = try sim.prepare(QuantizationPlan(layers: []), correction: true)
        let a = try Executor(graph: sim.graph).run(sim.calibration)
        let (exec, hooks) = try q.executor()
        XCTAssertEqual(try exec.run(sim.calibration, hooks: hooks).data, a.data)
        XCTAssertEqual(q.weightBytes, sim.layers.reduce(0) { $0 + $1.weightCount * 4 })
    }

    func testEightBitPlanStaysCloseAndSizesMatchTheFormula() throws {
        let sim = try simulator()
        let plan = try QuantizationPlan.uniform(layers: sim.layers, spec: try QuantizerSpec(.uniform, bits: 8), activationBits: 8)
        let q = try sim.prepare(plan)
        for m in q.metrics {
            XCTAssertGreaterThan(m.weightCosine ?? 0, 0.999, m.layer.name)
            XCTAssertEqual(m.bytes, packedWeightBytes(parameterCount: m.layer.weightCount, channels: m.layer.channels, spec: m.spec!))
        }
        XCTAssertEqual(q.weightBytes, q.metrics.reduce(0) { $0 + $1.bytes })
        let a = try Executor(graph: sim.graph).run(sim.calibration)
        let (exec, hooks) = try q.executor()
        let b = try exec.run(sim.calibration, hooks: hooks)
        XCTAssertGreaterThan(QuantizationMetrics.cosineSimilarity(a, b), 0.99)
    }

    func testCorrectionMatchesFloatChannelStatisticsOnCalibrationImages() throws {
        let sim = try simulator()
        let plan = try QuantizationPlan.uniform(layers: sim.layers, spec: try QuantizerSpec(.uniform, bits: 2), activationBits: nil, edges: .same)
        let q = try sim.prepare(plan, correction: true)
        // After correction, the first conv's output statistics equal the float ones.
        let first = sim.layers[0]
        var fs: ChannelStatistics?, qs: ChannelStatistics?
        _ = try Executor(graph: sim.graph, fuseActivations: false).run(sim.calibration, hooks: ExecutionHooks(observeOutput: { n, y in if n == first.node { fs = ChannelStatistics(y) } }))
        _ = try Executor(graph: q.graph, fuseActivations: false).run(sim.calibration, hooks: ExecutionHooks(observeOutput: { n, y in if n == first.node { qs = ChannelStatistics(y) } }))
        for (u, v) in zip(fs!.mean, qs!.mean) { XCTAssertEqual(u, v, accuracy: 1e-3 * max(1, abs(u))) }
        for (u, v) in zip(fs!.std, qs!.std) { XCTAssertEqual(u, v, accuracy: 1e-3 * max(1, abs(u))) }
    }
}
