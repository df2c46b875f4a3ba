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

final class SuffixSensitivityTests: XCTestCase {
    /// A small random-weight ResNet (skip connections, downsampling, a Gemm), BN-folded.
    func tinySimulator(images: Int = 40, size: Int = 8, arch: String = "resnet-small", channels: Int = 3) throws -> (Simulator, [Int32]) {
        let g = try Architectures.build(arch, channels: channels, height: size, width: size, classes: 4, seed: 3).foldingBatchNorm()
        var rng = SplitMix64(seed: 7)
        let per = channels * size * size
        let x = Tensor(shape: [images, channels, size, size], data: (0..<(images * per)).map { _ in rng.nextUnitFloat() * 2 - 1 })
        let labels = (0..<images).map { _ in Int32(rng.nextIndex(below: 4)) }
        return (try Simulator(graph: g, inputShape: [channels, size, size], calibration: x, metricImages: 4), labels)
    }

    func candidates(_ bits: [Int]) throws -> [QuantizerSpec] {
        try bits.map { try QuantizerSpec(.uniform, bits: $0, granularity: .perChannel, clip: .mse) }
    }

    static func assertClose(_ a: [[Double]], _ b: [[Double]], rel: Double, file: StaticString = #filePath, line: UInt = #line) {
        XCTAssertEqual(a.count, b.count, file: file, line: line)
        for (ra, rb) in zip(a, b) {
            XCTAssertEqual(ra.count, rb.count, file: file, line: line)
            for (x, y) in zip(ra, rb) {
                XCTAssertLessThanOrEqual(abs(x - y), rel * max(abs(x), abs(y)) + 1e-300, "\(x) vs \(y)", file: file, line: line)
            }
        }
    }

    /// The prefix-reuse path reproduces one full simulator pass per (layer, bits), chunked or not,
    /// with and without statistics correction, for every metric.
    func testSuffixMatchesExactReferenceOnTinyResNet() throws {
        let (sim, labels) = try tinySimulator()
        let cands = try candidates([2, 3, 4, 8])
        for metric in [SensitivityMetric.loss, .kl, .top1] {
            for correction in [true, false] {
                let exact = try SensitivityAnalyzer(simulator: sim, labels: labels, metric: metric, correction: correction, exactReference: true)
                    .analyze(layers: sim.layers, candidates: cands)
                for chunk in [40, 16, 7] {
                    let fast = try SensitivityAnalyzer(simulator: sim, labels: labels, metric: metric, correction: correction, chunk: chunk)
                        .analyze(layers: sim.layers, candidates: cands)
                    Self.assertClose(fast, exact, rel: 1e-12)
                }
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
        let cands = try candidates([2, 4])
        let exact = try SensitivityAnalyzer(simulator: sim, labels: setup.calibrationLabels, exactReference: true)
            .analyze(layers: layers, candidates: cands)
        let fast = try SensitivityAnalyzer(simulator: sim, labels: setup.calibrationLabels, chunk: 32)
            .analyze(layers: layers, candidates: cands)
        Self.assertClose(fast, exact, rel: 1e-12)
        XCTAssertGreaterThan(exact[0][0], exact[0][1])
    }

    /// Resuming a captured state with nothing changed gives the plain run's output.
    func testResumeFromCapturedStateEqualsRun() throws {
        let (sim, _) = try tinySimulator(images: 5)
        let exec = try Executor(graph: sim.graph, fuseActivations: false)
        let full = try exec.run(sim.calibration)
        let (out, states) = try exec.run(sim.calibration, capturingBefore: Set(0..<exec.stepCount))
        XCTAssertEqual(out, full)
        for k in 0..<exec.stepCount { XCTAssertEqual(try exec.resume(from: k, state: states[k]!), full) }
    }
}

final class HessianSensitivityTests: XCTestCase {
    /// Hutchinson's estimate of Tr(H_l) converges to the trace summed from explicit Hessian
    /// diagonal entries (finite-difference columns e_iᵀ H e_i with the same step).
    func testHutchinsonConvergesToExplicitTrace() throws {
        let (sim, labels) = try SuffixSensitivityTests().tinySimulator(images: 24, size: 8, arch: "vgg-tiny", channels: 1)
        let layers = [sim.layers[0], sim.layers[sim.layers.count - 1]]  // conv1 (144 weights) and the classifier
        let options = HessianOptions(samples: 300, images: 24, seed: 5)
        let h = HessianSensitivity(simulator: sim, labels: labels, options: options)
        let samples = try h.traceSamples(layers: layers)

        let model = try TrainableModel(graph: sim.graph)
        model.training = false
        for (i, layer) in layers.enumerated() {
            let w = model.parameter(layer.weightName)
            let rms = (w.data.reduce(0.0) { $0 + Double($1) * Double($1) } / Double(w.count)).squareRoot()
            let step = options.relativeStep * rms
            var exact = 0.0
            for j in 0..<w.count {
                var d = 0.0
                for sign in [1.0, -1.0] {
                    var p = w; p.data[j] += Float(sign * step); model.setParameter(layer.weightName, p)
                    let logits = try model.forward(sim.calibration)
                    let g = try model.backward(SoftmaxCrossEntropy.evaluate(logits: logits, labels: labels).grad)
                    d += sign * Double(g[layer.weightName]!.data[j])
                }
                exact += d / (2 * step)
            }
            model.setParameter(layer.weightName, w)
            let s = samples[i]
            let mean = s.reduce(0, +) / Double(s.count)
            let sd = (s.reduce(0.0) { $0 + ($1 - mean) * ($1 - mean) } / Double(s.count - 1)).squareRoot()
            let stderr = sd / Double(s.count).squareRoot()
            // 4 standard errors (Hutchinson's sampling noise) + 2% for the finite differences.
            XCTAssertLessThanOrEqual(abs(mean - exact), 4 * stderr + 0.02 * abs(exact),
                                     "layer \(layer.name): Hutchinson \(mean) ± \(stderr) vs explicit \(exact)")
            XCTAssertGreaterThan(exact, 0)
        }
    }

    /// Scores are nonnegative and fall as bits grow (2 → 8 strictly; neighbours allowed 10% slack).
    func testScoresNonnegativeAndDecreasingInBits() throws {
        let (sim, labels) = try SuffixSensitivityTests().tinySimulator(images: 32)
        let cands = try SuffixSensitivityTests().candidates([2, 3, 4, 5, 6, 8])
        let scores = try SensitivityAnalyzer(simulator: sim, labels: labels, metric: .hessian, chunk: 16)
            .analyze(layers: sim.layers, candidates: cands)
        for row in scores {
            XCTAssertTrue(row.allSatisfy { $0 >= 0 }, "\(row)")
            XCTAssertGreaterThan(row[0], row[5], "\(row)")
            for j in 1..<row.count { XCTAssertLessThanOrEqual(row[j], row[j - 1] * 1.1 + 1e-12, "\(row)") }
        }
    }
}
