import ArgumentParser
import Foundation
import Inference
import ModelIR

/// `bitbudget eval MODEL --data DIR`: float accuracy of a model on a dataset.
struct Eval: ParsableCommand {
    static let configuration = CommandConfiguration(
        abstract: "Evaluate a model in float32: top-1, top-5 and cross-entropy.",
        discussion: "Example: bitbudget eval ../shared/models/resnet20_cifar10.onnx --data ../shared/data/cifar10")

    @Argument(help: "ONNX model file (default: the embedded Fashion-MNIST model).")
    var modelPath: String?

    var model: String { modelPath ?? Defaults.model }

    @Flag(help: "Run BatchNormalization as its own layer instead of folding it into the convolutions (folding is faster; outputs agree to float rounding).")
    var noFoldBN = false

    @OptionGroup var data: DataOptions
    @OptionGroup var compute: ComputeOptions

    func run() throws {
        compute.apply()
        let graph = try ONNXImporter.load(model)
        let ds = try data.load()
        try InputSpec.check(graph, ds, modelPath: model)
        let norm = try data.normalization(for: graph, data: ds)
        let exec = try Executor(graph: noFoldBN ? graph : graph.foldingBatchNorm())
        let progress = Progress(label: "eval")
        let started = Date()
        let result = try Evaluator(batchSize: data.batch, normalization: norm, progress: progress.update)
            .evaluate(exec, on: ds)
        let seconds = Date().timeIntervalSince(started)
        print("model: \(model)")
        print("data: \(ds.source), \(ds.count) images, normalization \(norm)")
        print("top-5: \(String(format: "%.2f", result.top5 * 100))%  cross-entropy: \(String(format: "%.4f", result.meanLoss))  \(String(format: "%.1f", Double(ds.count) / seconds)) img/s")
        print(result.top1Line)
    }
}
