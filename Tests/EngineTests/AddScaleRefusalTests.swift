import Engine
import ModelIR
import Quantizers
import Simulation
import TensorMath
import XCTest

/// A residual Add whose input/output scale ratio cannot be represented by the engine's
/// 15-bit add multipliers (`bb_add_params_init`, ratio ≥ 32767.5) is refused when the plan
/// is compiled, with a one-line error naming the node, instead of running wrong integers.
/// The graph provokes it the way a real model can: two branches that nearly cancel, so the
/// calibrated output range is tiny while each input's range is large.
final class AddScaleRefusalTests: XCTestCase {
    static func images(_ n: Int, seed: UInt64) -> Tensor {
        var rng = TensorMath.SplitMix64(seed: seed)
        return Tensor(shape: [n, 2, 6, 6], data: (0..<(n * 72)).map { _ in rng.nextUnitFloat() * 4 - 2 })
    }

    /// x[2×6×6] → conv a (w) and conv b (−w, bias `offset`) → Add → Flatten → Gemm (3).
    /// The Add's output is `offset` everywhere, its inputs span about ±`gain`·36.
    static func graph(gain: Float, offset: Float) -> Graph {
        var rng = TensorMath.SplitMix64(seed: 3)
        let w = (0..<(4 * 2 * 9)).map { _ in (rng.nextUnitFloat() * 2 - 1) * gain }
        let pad1 = Conv2DGeometry(kernelH: 3, kernelW: 3, padTop: 1, padLeft: 1, padBottom: 1, padRight: 1)
        let nodes = [
            Node(name: "conv_a", op: .conv(pad1, groups: 1), inputs: ["x", "wa", "ba"], outputs: ["a"]),
            Node(name: "conv_b", op: .conv(pad1, groups: 1), inputs: ["x", "wb", "bb"], outputs: ["b"]),
            Node(name: "residual", op: .binary(.add), inputs: ["a", "b"], outputs: ["s"]),
            Node(name: "flatten", op: .flatten(axis: 1), inputs: ["s"], outputs: ["f"]),
            Node(name: "fc", op: .gemm(alpha: 1, beta: 1, transA: false, transB: true), inputs: ["f", "w3", "b3"], outputs: ["y"]),
        ]
        let inits = [
            "wa": Tensor(shape: [4, 2, 3, 3], data: w), "ba": Tensor(shape: [4], data: [0, 0, 0, 0]),
            "wb": Tensor(shape: [4, 2, 3, 3], data: w.map { -$0 }),
            "bb": Tensor(shape: [4], data: [Float](repeating: offset, count: 4)),
            "w3": Tensor(shape: [3, 144], data: (0..<432).map { _ in rng.nextUnitFloat() - 0.5 }),
            "b3": Tensor(shape: [3], data: [0, 0, 0]),
        ]
        return Graph(name: "add_scale_tiny", inputs: [ValueInfo(name: "x", shape: [nil, 2, 6, 6])], outputs: ["y"],
                     nodes: nodes, initializers: inits)
    }

    func compile(gain: Float, offset: Float) throws -> IntegerProgram {
        let sim = try Simulator(graph: Self.graph(gain: gain, offset: offset), inputShape: [2, 6, 6],
                                calibration: Self.images(16, seed: 1))
        let plan = try QuantizationPlan.uniform(layers: sim.layers, spec: QuantizerSpec(parsing: "uniform:8"),
                                                activationBits: 8, edges: .same)
        return try sim.integerProgram(plan).0
    }

    func testUnrepresentableAddScalesAreAOneLineCompileError() {
        // inputs span hundreds (scale ≈ 1), the output 0.001 (scale ≈ 4e-6): ratio ≈ 2e5
        XCTAssertThrowsError(try compile(gain: 30, offset: 0.001)) { error in
            let msg = "\(error)"
            XCTAssertTrue(msg.contains("'residual'") && msg.contains("not representable") && msg.contains("32767.5"), msg)
            XCTAssertFalse(msg.contains("\n"), msg)
        }
    }

    func testTheSameGraphWithRepresentableScalesCompilesAndRuns() throws {
        // Same structure, output range comparable to the inputs': compiles, and the engine
        // runs it exactly like the parity simulator.
        let program = try compile(gain: 0.3, offset: 0.5)
        XCTAssertTrue(program.steps.contains { if case .add = $0 { return true } else { return false } })
        let x = Self.images(8, seed: 2)
        XCTAssertEqual(try IntegerNetwork(program: program).logits(x).data, ParitySimulator(program).logits(x).data)
    }
}
