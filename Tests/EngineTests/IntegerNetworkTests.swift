import Engine
import Foundation
import Inference
import ModelIR
import Quantizers
import Simulation
import TensorMath
import XCTest

/// The whole-model integer engine on a tiny ResNet-style graph (conv/BN/ReLU, residual add,
/// option-A Slice/Pad shortcut, global pooling, Gemm): the engine's logits equal the parity
/// simulator's bit for bit, and its packed bytes equal `PackedSize`.
final class IntegerNetworkTests: XCTestCase {
    static let fixture = URL(fileURLWithPath: #filePath).deletingLastPathComponent().deletingLastPathComponent()
        .appendingPathComponent("Fixtures/net_engine_tiny.onnx").path

    static func images(_ n: Int, seed: UInt64) -> Tensor {
        var rng = TensorMath.SplitMix64(seed: seed)
        return Tensor(shape: [n, 3, 8, 8], data: (0..<(n * 192)).map { _ in rng.nextUnitFloat() * 4 - 2 })
    }

    func simulator() throws -> Simulator {
        let g = try ONNXImporter.load(Self.fixture).foldingBatchNorm()
        return try Simulator(graph: g, inputShape: [3, 8, 8], calibration: Self.images(64, seed: 1))
    }

    func plan(_ sim: Simulator, _ spec: String, act: Int?, edges: EdgeLayerPolicy = .same) throws -> QuantizationPlan {
        try QuantizationPlan.uniform(layers: sim.layers, spec: QuantizerSpec(parsing: spec), activationBits: act, edges: edges)
    }

    func testEngineMatchesParitySimulatorExactly() throws {
        let sim = try simulator()
        let x = Self.images(40, seed: 2)
        for (spec, act) in [("uniform:8", 8), ("uniform:4", 8), ("uniform:3", 6), ("uniform-asym:5", 8), ("ternary", 8),
                            ("binary", 8), ("uniform:2,per-tensor", 4)] {
            let (program, qm) = try sim.integerProgram(try plan(sim, spec, act: act))
            let net = try IntegerNetwork(program: program)
            let e = net.logits(x), s = ParitySimulator(program).logits(x)
            XCTAssertEqual(e.shape, [40, 5])
            XCTAssertEqual(e.data, s.data, "\(spec)/\(act): engine and parity simulator differ")
            XCTAssertEqual(net.weightBytes, qm.weightBytes, "\(spec): engine bytes vs PackedSize")
            // Scalar kernels give the same logits as the dispatched SIMD ones.
            let scalar = CPUFeatures.withLevel(.scalar) { _ in net.logits(x) }
            XCTAssertEqual(scalar.data, e.data, spec)
        }
    }

    /// Batches smaller than the thread count split each convolution by output pixels; the
    /// logits of an image do not depend on that (1-image and 2-image batches on 2-4 threads).
    func testSmallBatchesSplitOverThreadsGiveTheSameLogits() throws {
        let sim = try simulator()
        let x = Self.images(4, seed: 9)
        let saved = Parallel.threadCount
        defer { Parallel.threadCount = saved }
        for (spec, act) in [("uniform:8", 8), ("uniform:4", 8), ("uniform-asym:5", 8)] {
            let (program, _) = try sim.integerProgram(try plan(sim, spec, act: act))
            let net = try IntegerNetwork(program: program)
            Parallel.threadCount = 1
            let whole = net.logits(x)
            for threads in [2, 3, 4] {
                Parallel.threadCount = threads
                for (start, count) in [(0, 1), (1, 2), (3, 1)] {
                    let part = Tensor(shape: [count, 3, 8, 8], data: Array(x.data[(start * 192)..<((start + count) * 192)]))
                    XCTAssertEqual(net.logits(part).data, Array(whole.data[(start * 5)..<((start + count) * 5)]),
                                   "\(spec): images \(start)..<\(start + count) on \(threads) threads")
                }
            }
        }
    }

    func testEngineTracksFakeQuantSimulator() throws {
        // At 8/8 the integer engine should predict like the float model on most images.
        let sim = try simulator()
        let x = Self.images(64, seed: 5)
        let (program, _) = try sim.integerProgram(try plan(sim, "uniform:8", act: 8))
        let e = try IntegerNetwork(program: program).logits(x)
        let f = try Executor(graph: sim.graph).run(x)
        var agree = 0
        for i in 0..<64 {
            let a = (0..<5).max { e.data[i * 5 + $0] < e.data[i * 5 + $1] }!, b = (0..<5).max { f.data[i * 5 + $0] < f.data[i * 5 + $1] }!
            if a == b { agree += 1 }
        }
        XCTAssertGreaterThanOrEqual(agree, 48, "8/8 engine agrees with float on only \(agree)/64")
    }

    func testUnsupportedQuantizersAreRejected() throws {
        let sim = try simulator()
        for spec in ["pow2:4", "kmeans:3"] {
            XCTAssertThrowsError(try sim.integerProgram(try plan(sim, spec, act: 8))) { error in
                XCTAssertTrue("\(error)".contains("integer engine"), "\(error)")
            }
        }
        // A float layer (first/last float) is an error too.
        XCTAssertThrowsError(try sim.integerProgram(try plan(sim, "uniform:4", act: 8, edges: .float)))
    }
}
