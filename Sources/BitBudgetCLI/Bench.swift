import ArgumentParser
import Engine
import Foundation
import Inference
import ModelIR
import Simulation
import TensorMath

/// `bitbudget bench MODEL`: throughput of the float executor (images/s) at given batch sizes, or
/// of the integer engine with `--plan FILE` / `--uniform W/A`.
struct Bench: ParsableCommand {
    static let configuration = CommandConfiguration(
        abstract: "Measure inference throughput (images/s) and where the time goes.",
        discussion: """
        Runs random images of the model's input shape through the FP32 executor for --seconds per batch \
        size, after one warm-up batch. With --plan FILE or --uniform W/A the plan is calibrated and \
        compiled as in `bitbudget run` (on --data) and the integer engine is benchmarked instead, on \
        test images; --per-op then prints the time per integer-program step.

        Example: bitbudget bench ../shared/models/resnet20_cifar10.onnx --data ../shared/data/cifar10 --uniform 4/8 --batch 1 256
        """)

    @Argument(help: "ONNX model file (default: the embedded Fashion-MNIST model).")
    var modelPath: String?

    var model: String { modelPath ?? Defaults.model }

    @Option(name: .customLong("batch"), parsing: .upToNextOption, help: "Batch sizes to measure.")
    var batches: [Int] = [1, 256]

    @Option(help: "Seconds to run each batch size.")
    var seconds: Double = 5

    @Flag(help: "Print the time per operator type.")
    var perOp = false

    @OptionGroup(title: "Integer engine (instead of FP32): the plan to benchmark")
    var planOptions: PlanOptions

    @Option(help: "Dataset for calibration and the engine's input images (--plan/--uniform; as in `run`).")
    var data: String?

    @OptionGroup var calibration: CalibrationOptions

    @OptionGroup var compute: ComputeOptions

    func validate() throws {
        if batches.contains(where: { $0 < 1 }) { throw ValidationError("--batch sizes must be at least 1") }
        if seconds <= 0 { throw ValidationError("--seconds must be positive") }
        if planOptions.uniform != nil && planOptions.plan != nil { throw ValidationError("give at most one of --uniform W[/A] or --plan FILE") }
    }

    func run() throws {
        compute.apply()
        if planOptions.isGiven { return try benchEngine() }
        let graph = try ONNXImporter.load(model).foldingBatchNorm()
        let declared = graph.inputs[0].shape.dropFirst()
        guard declared.count == 3, declared.allSatisfy({ $0 != nil }) else {
            throw ModelError(file: model, "input has no fixed C×H×W shape to benchmark")
        }
        let chw = declared.map { $0! }
        for b in batches {
            let exec = try Executor(graph: graph)
            let profiler = OpProfiler()
            if perOp { exec.profiler = profiler }
            var rng = SystemRandomNumberGenerator()
            let x = Tensor(shape: [b] + chw, data: (0..<(b * chw.reduce(1, *))).map { _ in Float.random(in: -1...1, using: &rng) })
            _ = try exec.run(x)
            var images = 0
            let start = Date()
            repeat { _ = try exec.run(x); images += b } while Date().timeIntervalSince(start) < seconds
            let rate = Double(images) / Date().timeIntervalSince(start)
            print("bitbudget fp32 batch=\(b) threads=\(Parallel.threadCount): \(String(format: "%.1f", rate)) img/s")
            if perOp { for e in profiler.report { print(String(format: "  %-20@ %6.1f%%", e.op as NSString, e.seconds / profiler.report.reduce(0) { $0 + $1.seconds } * 100)) } }
        }
    }

    /// The integer engine on the plan: throughput per batch size (test images, tiled when the
    /// batch is larger than the split) and, with --per-op, seconds per program step.
    func benchEngine() throws {
        let dataOptions = try DataOptions.parse(data.map { ["--data", $0] } ?? [])
        let setup = try SimulationSetup(model: model, data: dataOptions, calibration: calibration)
        let (program, _) = try planOptions.integerProgram(calibration: calibration, setup: setup, model: model)
        let net = try IntegerNetwork(program: program)
        let test = setup.test
        guard test.count > 0 else { throw CLIError("no test images to benchmark on") }
        let all = test.batch(0..<min(test.count, batches.max()!), normalization: setup.normalization)
        let perImage = all.data.count / all.shape[0]
        for b in batches {
            var pixels: [Float] = []
            pixels.reserveCapacity(b * perImage)
            for i in 0..<b {
                let j = i % all.shape[0]
                pixels += all.data[(j * perImage)..<((j + 1) * perImage)]
            }
            let x = Tensor(shape: [b] + Array(all.shape.dropFirst()), data: pixels)
            let r = net.benchmark(x, seconds: seconds, profile: perOp)
            print("bitbudget engine batch=\(b) threads=\(Parallel.threadCount): \(String(format: "%.1f", r.imagesPerSecond)) img/s (\(net.weightBytes) packed weight bytes, kernels: \(CPUFeatures.active))")
            if let times = r.stepSeconds {
                let total = max(times.reduce(0, +), 1e-12)
                print(Table.render(header: ["step", "op", "seconds (all threads)", "share"], rows: program.steps.enumerated().map { i, s in
                    [s.name, net.describe(step: i), String(format: "%.3f", times[i]), String(format: "%.1f%%", times[i] / total * 100)]
                }))
            }
        }
    }
}
