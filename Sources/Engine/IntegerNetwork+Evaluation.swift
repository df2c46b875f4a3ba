import Datasets
import Dispatch
import Inference
import Simulation
import TensorMath

/// What `IntegerNetwork.evaluate` measured over a dataset.
public struct IntegerEvaluation: Sendable {
    /// Top-1/top-5/loss over every image.
    public var result: EvaluationResult
    /// Arg-max class per image, in dataset order.
    public var predictions: [Int]
    /// Wall-clock seconds spent inside `logits` (batch assembly excluded).
    public var seconds: Double
    /// Per program step: seconds summed over workers (only when profiling was asked for).
    public var stepSeconds: [Double]?

    public var imagesPerSecond: Double { Double(result.count) / max(seconds, 1e-9) }
}

/// What `IntegerNetwork.benchmark` measured on one repeated batch.
public struct IntegerBenchmark: Sendable {
    public var images: Int
    public var seconds: Double
    public var stepSeconds: [Double]?
    public var imagesPerSecond: Double { Double(images) / max(seconds, 1e-9) }
}

extension IntegerNetwork {
    /// Runs every image of `data` (normalized with `normalization`, `batchSize` at a time) through
    /// the engine and scores the logits against the dataset's labels. With `profile`, the
    /// per-step times of the integer program are collected too. `progress(done, total)` is
    /// called after each batch.
    public func evaluate(on data: ImageDataset, normalization: Normalization, batchSize: Int, profile: Bool = false,
                         progress: ((Int, Int) -> Void)? = nil) -> IntegerEvaluation {
        precondition(batchSize >= 1, "batch size must be at least 1")
        var result = EvaluationResult(), predictions: [Int] = []
        predictions.reserveCapacity(data.count)
        var times = [Double](repeating: 0, count: program.steps.count)
        var seconds = 0.0
        var start = 0
        while start < data.count {
            let range = start..<min(data.count, start + batchSize)
            let images = data.batch(range, normalization: normalization)
            let t0 = DispatchTime.now().uptimeNanoseconds
            let logits = times.withUnsafeMutableBufferPointer { self.logits(images, profile: profile ? $0.baseAddress : nil) }
            seconds += Double(DispatchTime.now().uptimeNanoseconds - t0) * 1e-9
            result = result + EvaluationResult.score(logits: logits.data, classes: program.classes, labels: data.labels(range))
            predictions += Self.argmax(logits.data, classes: program.classes)
            start = range.upperBound
            progress?(start, data.count)
        }
        return IntegerEvaluation(result: result, predictions: predictions, seconds: seconds, stepSeconds: profile ? times : nil)
    }

    /// Throughput on one batch (already normalized): one warm-up run, then repeated runs until
    /// at least `seconds` have passed. With `profile`, per-step times of the timed runs.
    public func benchmark(_ images: Tensor, seconds: Double, profile: Bool = false) -> IntegerBenchmark {
        let n = images.shape[0]
        _ = logits(images)
        var times = [Double](repeating: 0, count: program.steps.count)
        var count = 0
        let t0 = DispatchTime.now().uptimeNanoseconds
        var elapsed = 0.0
        repeat {
            _ = times.withUnsafeMutableBufferPointer { self.logits(images, profile: profile ? $0.baseAddress : nil) }
            count += n
            elapsed = Double(DispatchTime.now().uptimeNanoseconds - t0) * 1e-9
        } while elapsed < seconds
        return IntegerBenchmark(images: count, seconds: elapsed, stepSeconds: profile ? times : nil)
    }

    /// Arg-max class of each row of `logits` ([N, classes], row-major).
    public static func argmax(_ logits: [Float], classes: Int) -> [Int] {
        stride(from: 0, to: logits.count, by: classes).map { base in
            var best = 0
            for c in 1..<classes where logits[base + c] > logits[base + best] { best = c }
            return best
        }
    }

    /// A short description of a program step's operation ("conv int4+relu", "add", ...).
    public static func kind(_ s: IntegerProgram.Step) -> String {
        switch s {
        case .conv(let c): return (c.output == nil ? "gemm→logits " : "conv ") + c.weights.kind.description + (c.relu ? "+relu" : "")
        case .add: return "add"
        case .relu: return "relu"
        case .averagePool: return "avgpool"
        case .maxPool: return "maxpool"
        case .slice: return "slice"
        case .pad: return "pad"
        case .reshape: return "reshape"
        }
    }
}
