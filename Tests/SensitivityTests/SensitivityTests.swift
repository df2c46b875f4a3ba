import Foundation
import Inference
import ModelIR
import Quantizers
import Sensitivity
import Simulation
import TensorMath
import TestSupport
import Training
import XCTest

enum Tiny {
    /// A small random-weight ResNet (skip connections, downsampling, a Gemm), BN-folded.
    static func tinySimulator(images: Int = 40, size: Int = 8, arch: String = "resnet-small", channels: Int = 3) throws -> (Simulator, [Int32]) {
        let g = try Architectures.build(arch, channels: channels, height: size, width: size, classes: 4, seed: 3).foldingBatchNorm()
        var rng = SplitMix64(seed: 7)
        let per = channels * size * size
        let x = Tensor(shape: [images, channels, size, size], data: (0..<(images * per)).map { _ in rng.nextUnitFloat() * 2 - 1 })
        let labels = (0..<images).map { _ in Int32(rng.nextIndex(below: 4)) }
        return (try Simulator(graph: g, inputShape: [channels, size, size], calibration: x, metricImages: 4), labels)
    }

    static func candidates(_ bits: [Int]) throws -> [QuantizerSpec] {
        try bits.map { try QuantizerSpec(.uniform, bits: $0, granularity: .perChannel, clip: .mse) }
    }

}

final class SuffixSensitivityTests: XCTestCase {
    static func assertClose(_ a: [[Double]], _ b: [[Double]], rel: Double, abs tolerance: Double = 1e-300, file: StaticString = #filePath, line: UInt = #line) {
        XCTAssertEqual(a.count, b.count, file: file, line: line)
        for (ra, rb) in zip(a, b) {
            XCTAssertEqual(ra.count, rb.count, file: file, line: line)
            for (x, y) in zip(ra, rb) {
                XCTAssertLessThanOrEqual(abs(x - y), rel * max(abs(x), abs(y)) + tolerance, "\(x) vs \(y)", file: file, line: line)
            }
        }
    }

    /// The prefix-reuse path reproduces one full simulator pass per (layer, bits), with and
    /// without statistics correction: to 1e-12 relative (in practice bit for bit) when the chunk
    /// holds the whole calibration batch. Chunked, the only batch-dependent kernel is the
    /// classifier Gemm (OpenBLAS rounds a row differently for different M; see
    /// testBatchInvarianceOfNodeOutputsOnResNet20), so logits differ at float32 rounding and
    /// scores by ≤ 1e-5 relative + 1e-7 absolute (a score is a mean of per-image log-ratios of
    /// float32 logits; one ulp of a logit of size ~10 is ~1e-6, so 1e-7 is 10× under the
    /// worst case; measured differences are ~1e-9 absolute).
    func testSuffixMatchesExactReferenceOnTinyResNet() throws {
        let (sim, labels) = try Tiny.tinySimulator()
        let cands = try Tiny.candidates([2, 4, 8])
        for metric in [SensitivityMetric.loss, .kl] {
            for correction in [true, false] {
                let exact = try SensitivityAnalyzer(simulator: sim, labels: labels, metric: metric, correction: correction, exactReference: true)
                    .analyze(layers: sim.layers, candidates: cands)
                let whole = try SensitivityAnalyzer(simulator: sim, labels: labels, metric: metric, correction: correction, chunk: 40)
                    .analyze(layers: sim.layers, candidates: cands)
                Self.assertClose(whole, exact, rel: 1e-12)
                let chunked = try SensitivityAnalyzer(simulator: sim, labels: labels, metric: metric, correction: correction, chunk: 16)
                    .analyze(layers: sim.layers, candidates: cands)
                Self.assertClose(chunked, exact, rel: 1e-5, abs: 1e-7)
            }
        }
    }

    /// Same on the shared ResNet-20 (CIFAR-10 test images as calibration), a few layers.
    func testSuffixMatchesExactReferenceOnResNet20() throws {
        let model = try SharedData.path("models/resnet20_cifar10.onnx")
        let data = try SharedData.path("data/cifar10")
        let setup = try SimulationSetup(modelPath: model, dataDirectory: data, limit: 16, calibrationImages: 48, seed: 1)
        let sim = setup.simulator
        let layers = [sim.layers[1], sim.layers[8], sim.layers[sim.layers.count - 2]]
        let cands = try Tiny.candidates([2, 4])
        let exact = try SensitivityAnalyzer(simulator: sim, labels: setup.calibrationLabels, exactReference: true)
            .analyze(layers: layers, candidates: cands)
        let whole = try SensitivityAnalyzer(simulator: sim, labels: setup.calibrationLabels, chunk: 48)
            .analyze(layers: layers, candidates: cands)
        Self.assertClose(whole, exact, rel: 1e-12)
        let chunked = try SensitivityAnalyzer(simulator: sim, labels: setup.calibrationLabels, chunk: 32)
            .analyze(layers: layers, candidates: cands)
        Self.assertClose(chunked, exact, rel: 1e-5, abs: 1e-7)
        XCTAssertGreaterThan(exact[0][0], exact[0][1])
    }

    /// Which node outputs depend on the batch an image is in (diagnostic for chunking).
    func testBatchInvarianceOfNodeOutputsOnResNet20() throws {
        let model = try SharedData.path("models/resnet20_cifar10.onnx")
        let data = try SharedData.path("data/cifar10")
        let setup = try SimulationSetup(modelPath: model, dataDirectory: data, limit: 16, calibrationImages: 64, seed: 1)
        let sim = setup.simulator
        let exec = try Executor(graph: sim.graph, fuseActivations: false)
        func outputs(_ x: Tensor) throws -> [Int: Tensor] {
            var o: [Int: Tensor] = [:]
            _ = try exec.run(x, hooks: ExecutionHooks(observeOutput: { n, y in o[n] = y }))
            return o
        }
        let whole = try outputs(sim.calibration)
        let half = try outputs(SuffixSensitivity(simulator: sim, labels: setup.calibrationLabels).images(0..<32))
        var differing: [String] = []
        for (n, y) in half.sorted(by: { $0.key < $1.key }) {
            let w = whole[n]!
            if Array(w.data.prefix(y.count)) != y.data { differing.append("\(n):\(sim.graph.nodes[n].op.onnxType)") }
        }
        print("batch-dependent node outputs: \(differing)")
    }

    /// Resuming a captured state with nothing changed gives the plain run's output.
    func testResumeFromCapturedStateEqualsRun() throws {
        let (sim, _) = try Tiny.tinySimulator(images: 5)
        let exec = try Executor(graph: sim.graph, fuseActivations: false)
        let full = try exec.run(sim.calibration)
        let (out, states) = try exec.run(sim.calibration, capturingBefore: Set(0..<exec.stepCount))
        XCTAssertEqual(out, full)
        for k in 0..<exec.stepCount { XCTAssertEqual(try exec.resume(from: k, state: states[k]!), full) }
    }

    /// With fused activations (as the sensitivity analysis runs), a step whose output a hook
    /// sees or replaces, and the `through` step of `resume`, still expose the convolution's own
    /// (pre-ReLU) output, and the logits equal those of an unfused executor with the same hook
    /// (the hook shifts values across zero, so a ReLU applied before it would show).
    func testFusedExecutorHooksAndThroughSeePreActivationOutputs() throws {
        let (sim, _) = try Tiny.tinySimulator(images: 5)
        let fused = try Executor(graph: sim.graph), plain = try Executor(graph: sim.graph, fuseActivations: false)
        XCTAssertLessThan(fused.stepCount, plain.stepCount, "the tiny ResNet has fusable activations")
        let convs = sim.graph.nodes.indices.filter { if case .conv = sim.graph.nodes[$0].op { return true }; return false }
        XCTAssertFalse(convs.isEmpty)
        var seen: [Int: Tensor] = [:]
        _ = try plain.run(sim.calibration, hooks: ExecutionHooks(observeOutput: { n, y in seen[n] = y }))
        let (_, states) = try fused.run(sim.calibration, capturingBefore: Set(convs.compactMap { fused.step(ofNode: $0) }))
        for n in convs {
            let k = try XCTUnwrap(fused.step(ofNode: n))
            let y = try fused.resume(from: k, state: states[k]!, through: k)
            XCTAssertEqual(y, seen[n], "node \(n)")
            XCTAssertTrue(y.data.contains { $0 < 0 }, "node \(n) has negative pre-activation outputs")
            let shift = ExecutionHooks(transformOutput: { m, t in m == n ? Tensor(shape: t.shape, data: t.data.map { 0.5 * $0 - 0.05 }) : t },
                                       nodes: [n])
            XCTAssertEqual(try fused.resume(from: k, state: states[k]!, hooks: shift), try plain.run(sim.calibration, hooks: shift),
                           "node \(n)")
        }
    }
}

final class HessianSensitivityTests: XCTestCase {
    /// Hutchinson's estimate of Tr(H_l) converges to the trace summed from explicit diagonal
    /// entries e_jᵀ H e_j (one weight perturbed at a time, same step).
    func testHutchinsonConvergesToExplicitTrace() throws {
        let (sim, labels) = try Tiny.tinySimulator(images: 24, size: 8, arch: "vgg-tiny", channels: 1)
        let layers = [sim.layers[0], sim.layers[sim.layers.count - 1]]  // conv1 (144 weights) and the classifier
        let options = HessianOptions(samples: 300, images: 24, seed: 5)
        let h = HessianSensitivity(simulator: sim, labels: labels, options: options)
        let samples = try h.traceSamples(layers: layers)

        let model = try TrainableModel(graph: sim.graph)
        model.training = false
        for (i, layer) in layers.enumerated() {
            let w = model.parameter(layer.weightName)
            var ss = 0.0
            for v in w.data { ss += Double(v) * Double(v) }
            let rms: Double = (ss / Double(w.count)).squareRoot()
            let step = options.relativeStep * rms
            // Explicit trace of the diagonal block: Σ_j e_jᵀ G e_j with J e_j from central
            // differences of the logits (H_ll = G_ll for a ReLU/MaxPool network a.e.; differencing
            // gradients instead is dominated by ReLU/MaxPool kinks for a conv weight shared by
            // every position — it gave 9.68 here — while it agrees on the kink-free classifier).
            let f0 = try model.forward(sim.calibration)
            let n = f0.shape[0], k = f0.count / n
            var p = [Double](repeating: 0, count: f0.count)
            for img in 0..<n {
                var mx = -Double.infinity
                for c in 0..<k { mx = max(mx, Double(f0.data[img * k + c])) }
                var z = 0.0
                for c in 0..<k { p[img * k + c] = exp(Double(f0.data[img * k + c]) - mx); z += p[img * k + c] }
                for c in 0..<k { p[img * k + c] /= z }
            }
            var exact = 0.0
            for j in 0..<w.count {
                var q = w; q.data[j] += Float(step); model.setParameter(layer.weightName, q)
                let fp = try model.forward(sim.calibration)
                q = w; q.data[j] -= Float(step); model.setParameter(layer.weightName, q)
                let fm = try model.forward(sim.calibration)
                for img in 0..<n {
                    var e2 = 0.0, e1 = 0.0
                    for c in 0..<k {
                        let ju = (Double(fp.data[img * k + c]) - Double(fm.data[img * k + c])) / (2 * step)
                        e2 += p[img * k + c] * ju * ju; e1 += p[img * k + c] * ju
                    }
                    exact += (e2 - e1 * e1) / Double(n)
                }
            }
            model.setParameter(layer.weightName, w)
            let s = samples[i]
            let mean = s.reduce(0, +) / Double(s.count)
            var ssd = 0.0
            for e in s { ssd += (e - mean) * (e - mean) }
            let sd: Double = (ssd / Double(s.count - 1)).squareRoot()
            let stderr = sd / Double(s.count).squareRoot()
            // 4 standard errors (Hutchinson's sampling noise, 300 samples) + 2% for the finite differences.
            XCTAssertLessThanOrEqual(abs(mean - exact), 4 * stderr + 0.02 * abs(exact),
                                     "layer \(layer.name): Hutchinson \(mean) ± \(stderr) vs explicit \(exact)")
            XCTAssertGreaterThan(exact, 0)
        }
    }

    /// Scores are nonnegative and fall as bits grow (2 → 8 strictly; neighbours allowed 10% slack).
    func testScoresNonnegativeAndDecreasingInBits() throws {
        let (sim, labels) = try Tiny.tinySimulator(images: 32)
        let cands = try Tiny.candidates([2, 3, 4, 5, 6, 8])
        let scores = try SensitivityAnalyzer(simulator: sim, labels: labels, metric: .hessian, chunk: 16)
            .analyze(layers: sim.layers, candidates: cands)
        for row in scores {
            XCTAssertTrue(row.allSatisfy { $0 >= 0 }, "\(row)")
            XCTAssertGreaterThan(row[0], row[5], "\(row)")
            for j in 1..<row.count { XCTAssertLessThanOrEqual(row[j], row[j - 1] * 1.1 + 1e-12, "\(row)") }
        }
    }
}
