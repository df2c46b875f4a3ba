import Datasets
import Foundation
import ModelIR
import TensorMath

/// Runs a model over a dataset in batches and scores the logits.
public struct Evaluator {
    public var batchSize: Int
    public var normalization: Normalization
    /// Called after each batch with (images done, total).
    public var progress: ((Int, Int) -> Void)?

    public init(batchSize: Int = 256, normalization: Normalization, progress: ((Int, Int) -> Void)? = nil) {
        self.batchSize = max(1, batchSize); self.normalization = normalization; self.progress = progress
    }

    /// Accuracy and loss of `executor` on `data`.
    public func evaluate(_ executor: Executor, on data: ImageDataset, hooks: ExecutionHooks? = nil) throws -> EvaluationResult {
        var total = EvaluationResult()
        try forEachBatch(executor, data, hooks: hooks) { logits, classes, range in
            total = total + EvaluationResult.score(logits: logits.data, classes: classes, labels: data.labels(range))
        }
        return total
    }

    /// All logits [count, classes] of `executor` on `data`.
    public func logits(_ executor: Executor, on data: ImageDataset, hooks: ExecutionHooks? = nil) throws -> Tensor {
        var out: [Float] = []
        var classes = 0
        try forEachBatch(executor, data, hooks: hooks) { logits, c, _ in out += logits.data; classes = c }
        return Tensor(shape: [data.count, classes], data: out)
    }

    func forEachBatch(_ executor: Executor, _ data: ImageDataset, hooks: ExecutionHooks?,
                      _ body: (Tensor, Int, Range<Int>) throws -> Void) throws {
        var start = 0
        while start < data.count {
            let range = start..<min(data.count, start + batchSize)
            let y = try executor.run(data.batch(range, normalization: normalization), hooks: hooks)
            guard y.rank >= 1, y.shape[0] == range.count, y.count % range.count == 0 else {
                throw ExecutionError(node: executor.graph.name, "model output \(y.shape) is not [batch, classes] for a batch of \(range.count)")
            }
            try body(y, y.count / range.count, range)
            start = range.upperBound
            progress?(start, data.count)
        }
    }
}

/// How a model's input is prepared from dataset pixels.
public enum InputSpec {
    /// Normalization for `graph` on `data`: explicit mean/std win, then the model's metadata
    /// (`mean`, `std`), then the dataset's conventional statistics.
    public static func normalization(for graph: Graph, data: ImageDataset, mean: [Float]?, std: [Float]?) throws -> Normalization {
        let m = mean ?? graph.metadataFloats("mean"), s = std ?? graph.metadataFloats("std")
        if let m, let s { return try Normalization(mean: m, std: s).broadcast(to: data.channels) }
        if let m { return try Normalization(mean: m, std: [1]).broadcast(to: data.channels) }
        return data.channels == 3 ? Normalization.cifar10 : Normalization.identity(channels: data.channels)
    }

    /// Checks that each dataset's images fit the model's declared input (C, H, W) and that every
    /// label names one of the model's outputs, naming both. The class count comes from running
    /// one image, once for all the datasets: scoring a label past the last logit would read
    /// outside the row.
    public static func check(_ graph: Graph, _ datasets: ImageDataset..., modelPath: String) throws {
        guard let input = graph.inputs.first else { return }
        let declared = Array(input.shape.dropFirst())
        for data in datasets where declared.count == 3 {
            let actual = [data.channels, data.height, data.width]
            for (d, a) in zip(declared, actual) where d != nil && d != a {
                throw ModelError(file: modelPath, "model input '\(input.name)' expects images \(declared.map { $0.map(String.init) ?? "?" }.joined(separator: "×")), but \(data.source) has \(actual.map(String.init).joined(separator: "×"))")
            }
        }
        guard let sample = datasets.first(where: { $0.count > 0 }) else { return }
        let y = try Executor(graph: graph).run(sample.batch(0..<1, normalization: .identity(channels: sample.channels)))
        let classes = y.count / max(1, y.shape.first ?? 1)
        for data in datasets where data.count > 0 {
            if let maxLabel = data.labels(0..<data.count).max(), Int(maxLabel) >= classes {
                throw ModelError(file: modelPath, "the model has \(classes) outputs, but \(data.source) has label \(maxLabel)")
            }
        }
    }
}
