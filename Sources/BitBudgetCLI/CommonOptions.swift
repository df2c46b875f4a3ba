import ArgumentParser
import Datasets
import Foundation
import Inference
import ModelIR
import TensorMath

/// Dataset selection shared by every command that reads images.
struct DataOptions: ParsableArguments {
    @Option(help: ArgumentHelp("Dataset directory (or file): CIFAR-10 binary batches, IDX (MNIST/Fashion-MNIST, gzip'd or not) or .npy.",
                               valueName: "dir"))
    var data: String?

    @Option(help: "Dataset format; detected from the files when omitted. (cifar10|idx|npy)")
    var dataset: DatasetFormat?

    @Option(help: "Which split to read. (test|train)")
    var split: DatasetSplit = .test

    @Option(help: "Per-channel mean of pixel/255, e.g. 0.4914,0.4822,0.4465 (default: model metadata, then the dataset's usual values).")
    var mean: String?

    @Option(help: "Per-channel std of pixel/255 (default: model metadata, then the dataset's usual values).")
    var std: String?

    @Option(help: "Use only the first N images.")
    var limit: Int?

    @Option(help: "Images per batch.")
    var batch: Int = 256

    func validate() throws {
        if let limit, limit < 1 { throw ValidationError("--limit must be at least 1") }
        if batch < 1 { throw ValidationError("--batch must be at least 1") }
    }

    /// Loads the dataset (the embedded default Fashion-MNIST when `--data` is absent).
    func load(split override: DatasetSplit? = nil) throws -> ImageDataset {
        let dir = data ?? Defaults.fashionMNISTDirectory
        return try DatasetLoader.load(directory: dir, format: dataset, split: override ?? split, limit: limit)
    }

    func normalization(for graph: Graph, data: ImageDataset) throws -> Normalization {
        let m = try mean.map { try Normalization.parseValues($0, name: "--mean") }
        let s = try std.map { try Normalization.parseValues($0, name: "--std") }
        return try InputSpec.normalization(for: graph, data: data, mean: m, std: s)
    }
}

/// Threading shared by compute-heavy commands.
struct ComputeOptions: ParsableArguments {
    @Option(help: "Worker threads (default: all cores, or BITBUDGET_THREADS).")
    var threads: Int?

    func apply() { if let threads { Parallel.threadCount = threads } }
}

extension DatasetFormat: ExpressibleByArgument {}
extension DatasetSplit: ExpressibleByArgument {}

/// Where the embedded defaults live.
enum Defaults {
    /// Debian's dataset-fashion-mnist package.
    static let fashionMNISTDirectory = "/usr/share/datasets/fashion-mnist"

    /// The embedded default model (trained by Experiments/train_default.sh), found relative to
    /// the working directory or, failing that, to this checkout's sources.
    static var model: String {
        let relative = "results/default-model/fashion_cnn.onnx"
        if FileManager.default.fileExists(atPath: relative) { return relative }
        let root = URL(fileURLWithPath: #filePath).deletingLastPathComponent().deletingLastPathComponent().deletingLastPathComponent()
        return root.appendingPathComponent(relative).path
    }
}

/// A one-line progress indicator on stderr (only when stderr is a terminal, so logs stay clean);
/// counts images for evaluation and (layer, bits) steps for sensitivity analysis.
struct Progress {
    let label: String
    let start = Date()
    static let interactive = isatty(2) == 1

    func update(_ done: Int, _ total: Int) {
        guard Progress.interactive, total > 0 else { return }
        let elapsed = Date().timeIntervalSince(start)
        let eta = done > 0 ? elapsed / Double(done) * Double(total - done) : 0
        let width = 30, filled = width * done / total
        let bar = String(repeating: "█", count: filled) + String(repeating: "·", count: width - filled)
        FileHandle.standardError.write("\r\(label) \(bar) \(done)/\(total) \(String(format: "%.0f", Double(done) / max(elapsed, 1e-9))) /s ETA \(String(format: "%.0f", eta))s ".data(using: .utf8)!)
        if done == total { FileHandle.standardError.write("\r\u{1B}[K".data(using: .utf8)!) }
    }
}

/// Options shared by the commands that quantize: calibration draw, weight clipping and the
/// first/last layer policy.
struct CalibrationOptions: ParsableArguments {
    @Option(help: "Calibration images (drawn from the training split with --seed).")
    var calib: Int = 512

    @Option(help: "Seed for the calibration draw.")
    var seed: UInt64 = 0

    @Option(help: "Clip search of the uniform weight quantizer: minmax, percentile:P, mse.")
    var clip: String = "mse"

    @Option(help: "First/last layer policy: a bit-width (default 8), 'float', or 'same' (quantized/searched like the rest).")
    var firstLast: String = "8"

    func validate() throws {
        if calib < 1 { throw ValidationError("--calib must be at least 1") }
    }
}

/// A run-time failure the CLI reports as one line (no usage text: the arguments were fine).
struct CLIError: Error, CustomStringConvertible {
    let description: String
    init(_ message: String) { description = message }
}
