import Datasets
import Inference
import ModelIR
import TensorMath

/// Model, evaluation data and calibration batch, loaded once for the simulation commands
/// and experiments: the model is BN-folded, calibration images are a seeded draw from the
/// training split, evaluation uses the requested split.
public struct SimulationSetup {
    public let modelPath: String
    public let graph: Graph
    public let test: ImageDataset
    public let normalization: Normalization
    public let simulator: Simulator
    public let calibrationCount: Int
    /// Labels of the calibration images (for label-based sensitivity metrics).
    public let calibrationLabels: [Int32]
    /// Held-out training images for choosing between plans (never the evaluation split): the
    /// next `validationImages` of the same seeded permutation as the calibration draw, so the
    /// two are disjoint. Empty when `validationImages` is 0.
    public let validation: ImageDataset?

    public init(modelPath: String, dataDirectory: String, format: DatasetFormat? = nil, split: DatasetSplit = .test,
                limit: Int? = nil, mean: [Float]? = nil, std: [Float]? = nil, calibrationImages: Int = 512, validationImages: Int = 0, seed: UInt64 = 0) throws {
        self.modelPath = modelPath
        graph = try ONNXImporter.load(modelPath).foldingBatchNorm()
        test = try DatasetLoader.load(directory: dataDirectory, format: format, split: split, limit: limit)
        let train = try DatasetLoader.load(directory: dataDirectory, format: format, split: .train)
        try InputSpec.check(graph, test, train, modelPath: modelPath)
        normalization = try InputSpec.normalization(for: graph, data: test, mean: mean, std: std)
        let order = SplitMix64.permutation(count: train.count, seed: seed)
        let pick = Array(order.prefix(calibrationImages))
        let cal = train.subset(pick)
        let held = Array(order.dropFirst(pick.count).prefix(max(0, validationImages)))
        validation = held.isEmpty ? nil : train.subset(held)
        calibrationCount = cal.count
        calibrationLabels = cal.labels(0..<cal.count)
        simulator = try Simulator(graph: graph, inputShape: [test.channels, test.height, test.width],
                                  calibration: cal.batch(0..<cal.count, normalization: normalization))
    }

    /// Float accuracy of the (folded) model on the evaluation split.
    public func evaluateFloat(batchSize: Int = 256, progress: ((Int, Int) -> Void)? = nil) throws -> EvaluationResult {
        try Evaluator(batchSize: batchSize, normalization: normalization, progress: progress).evaluate(try Executor(graph: graph), on: test)
    }
}
