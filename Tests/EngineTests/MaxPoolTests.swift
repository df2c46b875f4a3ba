import Engine
import Inference
import ModelIR
import Quantizers
import Simulation
import TensorMath
import XCTest

/// Integer max pooling: exact against the float `Pooling.max` on dequantized codes (padding,
/// ceil_mode, odd sizes), and a tiny conv→relu→maxpool→conv→relu→maxpool→flatten→gemm graph
/// whose engine logits equal the parity simulator's bit for bit.
final class MaxPoolTests: XCTestCase {
    /// Codes → reals with one scale / zero point, as NCHW [1, c, h, w].
    static func dequantize(_ codes: [UInt8], _ c: Int, _ h: Int, _ w: Int, scale: Float, zeroPoint: Int32) -> Tensor {
        Tensor(shape: [1, c, h, w], data: codes.map { scale * Float(Int32($0) - zeroPoint) })
    }

    func testMaxPoolIsExactOnDequantizedCodes() {
        var rng = SplitMix64(seed: 41)
        // (c, h, w, geometry, ceilMode): square / odd sizes, symmetric and asymmetric pads,
        // ceil_mode that adds a partial window, stride larger than the kernel, SAME_UPPER.
        var same = Conv2DGeometry(kernelH: 3, kernelW: 2, strideH: 2, strideW: 2)
        same.autoPad = .sameUpper
        let cases: [(Int, Int, Int, Conv2DGeometry, Bool)] = [
            (3, 8, 8, Conv2DGeometry(kernelH: 2, kernelW: 2, strideH: 2, strideW: 2), false),
            (2, 7, 5, Conv2DGeometry(kernelH: 3, kernelW: 3, strideH: 2, strideW: 2, padTop: 1, padLeft: 1, padBottom: 1, padRight: 1), false),
            (2, 6, 6, Conv2DGeometry(kernelH: 3, kernelW: 3, strideH: 2, strideW: 2), true),
            (1, 6, 6, Conv2DGeometry(kernelH: 3, kernelW: 3, strideH: 2, strideW: 2, padTop: 1, padLeft: 1, padBottom: 1, padRight: 1), true),
            (3, 9, 7, Conv2DGeometry(kernelH: 3, kernelW: 2, strideH: 2, strideW: 3, padTop: 1, padLeft: 0, padBottom: 2, padRight: 1), true),
            (2, 5, 11, Conv2DGeometry(kernelH: 2, kernelW: 3, strideH: 3, strideW: 4), false),
            (1, 1, 1, Conv2DGeometry(kernelH: 1, kernelW: 1), false),
            (2, 7, 9, same, false),
        ]
        for (scale, zp) in [(Float(0.05), Int32(0)), (0.013, 128), (0.2, 250)] {
            for (c, h, w, g, ceil) in cases {
                let codes = randomBytes(c * h * w, using: &rng)
                let out = IntegerPooling.maxPool(codes, channels: c, height: h, width: w, geometry: g, ceilMode: ceil)
                let ref = Pooling.max(Self.dequantize(codes, c, h, w, scale: scale, zeroPoint: zp), geometry: g, ceilMode: ceil)
                let (oh, ow) = (ref.shape[2], ref.shape[3])
                XCTAssertEqual(out.count, c * oh * ow, "\(g) ceil=\(ceil)")
                XCTAssertEqual(Self.dequantize(out, c, oh, ow, scale: scale, zeroPoint: zp).data, ref.data,
                               "\(c)x\(h)x\(w) \(g) ceil=\(ceil) zp=\(zp)")
            }
        }
    }

    func testPaddingNeverWins() {
        // Every real is negative (codes below the zero point): padding with the zero point
        // (real 0) would win at the border; ONNX's −∞ padding must not.
        let codes: [UInt8] = [10, 20, 30, 40, 50, 60, 70, 80, 90]
        let g = Conv2DGeometry(kernelH: 2, kernelW: 2, strideH: 2, strideW: 2, padTop: 1, padLeft: 1, padBottom: 1, padRight: 1)
        let out = IntegerPooling.maxPool(codes, channels: 1, height: 3, width: 3, geometry: g, ceilMode: true)
        XCTAssertEqual(out, [10, 30, 70, 90])
        let ref = Pooling.max(Self.dequantize(codes, 1, 3, 3, scale: 0.1, zeroPoint: 200), geometry: g, ceilMode: true)
        XCTAssertEqual(Self.dequantize(out, 1, 2, 2, scale: 0.1, zeroPoint: 200).data, ref.data)
    }

    // MARK: a tiny VGG-style graph on the engine

    static func images(_ n: Int, seed: UInt64) -> Tensor {
        var rng = TensorMath.SplitMix64(seed: seed)
        return Tensor(shape: [n, 3, 9, 7], data: (0..<(n * 189)).map { _ in rng.nextUnitFloat() * 4 - 2 })
    }

    /// x[3×9×7] → Conv 3×3 pad 1 (4) → Relu → MaxPool 3×3 stride 2, pads (1, 0, 1, 1), ceil_mode → 4×5×4
    /// → Conv 3×3 pad 1 (6) → Relu → MaxPool 2×2 stride 2 (odd sizes floor) → 6×2×2 → Flatten → Gemm (5).
    static func graph(firstPool: Conv2DGeometry? = nil) -> Graph {
        var rng = TensorMath.SplitMix64(seed: 7)
        func random(_ shape: [Int], _ r: Float) -> Tensor {
            Tensor(shape: shape, data: (0..<shape.reduce(1, *)).map { _ in (rng.nextUnitFloat() * 2 - 1) * r })
        }
        let pad1 = Conv2DGeometry(kernelH: 3, kernelW: 3, padTop: 1, padLeft: 1, padBottom: 1, padRight: 1)
        let pool1 = firstPool ?? Conv2DGeometry(kernelH: 3, kernelW: 3, strideH: 2, strideW: 2,
                                                padTop: 1, padLeft: 0, padBottom: 1, padRight: 1)
        let (h1, w1) = pool1.outputSize(height: 9, width: 7, ceilMode: true)
        let fanIn = 6 * (h1 / 2) * (w1 / 2)
        let nodes = [
            Node(name: "conv1", op: .conv(pad1, groups: 1), inputs: ["x", "w1", "b1"], outputs: ["c1"]),
            Node(name: "relu1", op: .relu, inputs: ["c1"], outputs: ["r1"]),
            Node(name: "pool1", op: .maxPool(pool1, ceilMode: true), inputs: ["r1"], outputs: ["p1"]),
            Node(name: "conv2", op: .conv(pad1, groups: 1), inputs: ["p1", "w2", "b2"], outputs: ["c2"]),
            Node(name: "relu2", op: .relu, inputs: ["c2"], outputs: ["r2"]),
            Node(name: "pool2", op: .maxPool(Conv2DGeometry(kernelH: 2, kernelW: 2, strideH: 2, strideW: 2), ceilMode: false),
                 inputs: ["r2"], outputs: ["p2"]),
            Node(name: "flatten", op: .flatten(axis: 1), inputs: ["p2"], outputs: ["f"]),
            Node(name: "fc", op: .gemm(alpha: 1, beta: 1, transA: false, transB: true), inputs: ["f", "w3", "b3"], outputs: ["y"]),
        ]
        let inits = ["w1": random([4, 3, 3, 3], 0.5), "b1": random([4], 0.2), "w2": random([6, 4, 3, 3], 0.4),
                     "b2": random([6], 0.2), "w3": random([5, fanIn], 0.5), "b3": random([5], 0.1)]
        return Graph(name: "maxpool_tiny", inputs: [ValueInfo(name: "x", shape: [nil, 3, 9, 7])], outputs: ["y"],
                     nodes: nodes, initializers: inits)
    }

    func simulator(_ g: Graph = graph()) throws -> Simulator {
        try Simulator(graph: g, inputShape: [3, 9, 7], calibration: Self.images(32, seed: 1))
    }

    func plan(_ sim: Simulator, _ spec: String, act: Int) throws -> QuantizationPlan {
        try QuantizationPlan.uniform(layers: sim.layers, spec: QuantizerSpec(parsing: spec), activationBits: act, edges: .same)
    }

    func testConvReluMaxPoolGemmEngineMatchesParitySimulator() throws {
        let sim = try simulator()
        let x = Self.images(24, seed: 2)
        for (spec, act) in [("uniform:8", 8), ("uniform:4", 6), ("uniform-asym:5", 8), ("ternary", 4)] {
            let (program, qm) = try sim.integerProgram(try plan(sim, spec, act: act))
            let pools = program.steps.compactMap { step -> (Int, Int)? in
                if case let .maxPool(_, i, o, _, _, _) = step { return (i, o) } else { return nil }
            }
            XCTAssertEqual(pools.count, 2, spec)
            XCTAssertEqual(pools.map { program.values[$0.1].shape }, [[4, 5, 4], [6, 2, 2]], "ceil_mode / floor output sizes")
            for (i, o) in pools {
                XCTAssertEqual(program.values[i].quantization, program.values[o].quantization, "max pooling keeps the quantization")
            }
            // The pooled tensor feeds conv2 / fc at the plan's activation bits (not an 8-bit calibration).
            XCTAssertEqual(program.values[pools[0].1].quantization.qmax - program.values[pools[0].1].quantization.qmin,
                           (1 << act) - 1, spec)
            let net = try IntegerNetwork(program: program)
            let e = net.logits(x), s = ParitySimulator(program).logits(x)
            XCTAssertEqual(e.shape, [24, 5])
            XCTAssertEqual(e.data, s.data, "\(spec)/\(act): engine and parity simulator differ")
            XCTAssertEqual(net.weightBytes, qm.weightBytes, "\(spec): engine bytes vs PackedSize")
            XCTAssertEqual(CPUFeatures.withLevel(.scalar) { _ in net.logits(x) }.data, e.data, spec)
        }
    }

    func testEngineTracksTheFloatModel() throws {
        // At 8/8 the engine (with its max pooling on codes) predicts like the float model.
        let sim = try simulator()
        let x = Self.images(48, seed: 5)
        let (program, _) = try sim.integerProgram(try plan(sim, "uniform:8", act: 8))
        let e = try IntegerNetwork(program: program).logits(x), f = try Executor(graph: sim.graph).run(x)
        let agree = zip(IntegerNetwork.argmax(e.data, classes: 5), IntegerNetwork.argmax(f.data, classes: 5)).filter { $0 == $1 }.count
        XCTAssertGreaterThanOrEqual(agree, 42, "8/8 engine agrees with float on only \(agree)/48")
    }

    func testUnsupportedMaxPoolIsAOneLineError() throws {
        let dilated = Conv2DGeometry(kernelH: 2, kernelW: 2, strideH: 2, strideW: 2, dilationH: 2, dilationW: 2,
                                     padTop: 1, padLeft: 0, padBottom: 1, padRight: 1)
        // (Pads ≥ the kernel, the other rejected variant, give −∞ windows the float simulator
        // cannot calibrate, so they never reach the compile step from a graph.)
        let sim = try simulator(Self.graph(firstPool: dilated))
        XCTAssertThrowsError(try sim.integerProgram(try plan(sim, "uniform:8", act: 8))) { error in
            let msg = "\(error)"
            XCTAssertTrue(msg.contains("dilated MaxPool") && msg.contains("integer engine"), msg)
            XCTAssertFalse(msg.contains("\n"), msg)
        }
    }
}
