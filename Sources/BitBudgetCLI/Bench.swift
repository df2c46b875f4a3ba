import ArgumentParser
import Foundation
import Inference
import ModelIR
import TensorMath

/// `bitbudget bench MODEL`: throughput of the float executor (images/s) at given batch sizes.
struct Bench: ParsableCommand {
    static let configuration = CommandConfiguration(
        abstract: "Measure inference throughput (images/s) and where the time goes.",
        discussion: "Runs random images of the model's input shape for --seconds per batch size, after one warm-up batch.")

    @Argument(help: "ONNX model file (default: the embedded Fashion-MNIST model).")
    var modelPath: String?

    var model: String { modelPath ?? Defaults.model }

    @Option(name: .customLong("batch"), parsing: .upToNextOption, help: "Batch sizes to measure.")
    var batches: [Int] = [1, 256]

    @Option(help: "Seconds to run each batch size.")
    var seconds: Double = 5

    @Flag(help: "Print the time per operator type.")
    var perOp = false

    @OptionGroup var compute: ComputeOptions

    func validate() throws {
        if batches.contains(where: { $0 < 1 }) { throw ValidationError("--batch sizes must be at least 1") }
        if seconds <= 0 { throw ValidationError("--seconds must be positive") }
    }

    func run() throws {
        compute.apply()
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
}
