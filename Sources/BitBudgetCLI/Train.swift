import ArgumentParser
import Datasets
import Foundation
import Inference
import ModelIR
import TensorMath
import Training

/// `bitbudget train`: train a built-in CNN (or fine-tune an ONNX model) and export it as ONNX.
struct Train: ParsableCommand {
    static let configuration = CommandConfiguration(
        abstract: "Train a CNN with SGD (or fine-tune an ONNX model) and write it as ONNX.",
        discussion: """
        Default data: Fashion-MNIST from \(Defaults.fashionMNISTDirectory). The last --val training \
        images are held out for validation after every epoch. A checkpoint (<out>.ckpt.onnx/.json/.momentum) \
        is written after every epoch; --resume <out>.ckpt.json continues from it.

        Example: bitbudget train --arch vgg-small --epochs 6 --seed 1 --out fashion_cnn.onnx
        """)

    @Option(help: ArgumentHelp("Dataset directory (or file); any format `eval` reads.", valueName: "dir"))
    var data: String?

    @Option(help: "Dataset format; detected from the files when omitted. (cifar10|idx|npy)")
    var dataset: DatasetFormat?

    @Option(help: "Architecture: \(Architectures.names.joined(separator: ", ")).")
    var arch: String = "vgg-small"

    @Option(name: .customLong("init"), help: ArgumentHelp("Fine-tune this ONNX model instead of a fresh architecture.", valueName: "model.onnx"))
    var initModel: String?

    @Option(help: "Resume from a checkpoint JSON written by an earlier run (give the same --epochs and options as that run; seed and batch come from the checkpoint).")
    var resume: String?

    @Option(help: "Epochs.") var epochs: Int = 5
    @Option(help: "Images per mini-batch.") var batch: Int = 128
    @Option(help: "Peak learning rate.") var lr: Float = 0.1
    @Option(help: "SGD momentum.") var momentum: Float = 0.9
    @Flag(inversion: .prefixedNo, help: "Nesterov momentum.") var nesterov = true
    @Option(help: "L2 weight decay on Conv/Gemm weights (not on BN or biases).") var weightDecay: Float = 5e-4
    @Option(help: "LR schedule: cosine, step (×0.1 every --step-epochs), constant.") var schedule: String = "cosine"
    @Option(help: "Epochs between LR drops for --schedule step.") var stepEpochs: Int = 2
    @Option(help: "Linear warmup length in epochs.") var warmup: Double = 0
    @Option(help: "Random seed (initialization, shuffling, augmentation).") var seed: UInt64 = 1
    @Option(name: .customLong("bn"), help: "BatchNorm while training: train (batch statistics, running ones updated) or frozen (running statistics kept; scale/bias still learn — for fine-tuning).")
    var bnMode: String = "train"
    @Option(help: "BatchNorm running-statistics momentum for --bn train (PyTorch convention; 0 keeps the initial running statistics, e.g. a pretrained model's, while training normalizes with batch statistics).") var bnMomentum: Float = 0.1
    @Flag(help: "Random crop (padding --pad) + horizontal flip.") var augment = false
    @Option(help: "Crop padding for --augment (pixels).") var pad: Int = 2
    @Option(name: .customLong("swa-epochs"), help: ArgumentHelp("Stochastic weight averaging: average the weights after every step of the last N epochs and export the average (0 = off). Implies --precise-bn over the whole training set unless --precise-bn is given.", valueName: "N"))
    var swaEpochs: Int = 0
    @Option(name: .customLong("precise-bn"), help: ArgumentHelp("After training, re-estimate every BatchNorm running mean/variance from N training images (augmented as with --augment) with the final weights (PreciseBN; 0 = keep the running averages training left). Default: 0, or all training images with --swa-epochs.", valueName: "N"))
    var preciseBN: Int?
    @Option(help: "Hold out the last N training images for validation after each epoch.") var val: Int = 0
    @Option(help: "Use only the first N training images.") var limit: Int?
    @Option(help: "Progress line every N steps.") var logEvery: Int = 50
    @Option(help: "Output ONNX file.") var out: String = "model.onnx"
    @Flag(help: "Skip the final test-split evaluation.") var noTest = false

    @OptionGroup var compute: ComputeOptions

    func validate() throws {
        if resume != nil && initModel != nil { throw ValidationError("--resume and --init exclude each other") }
        if epochs < 1 && !(epochs == 0 && initModel != nil && (preciseBN ?? 0) > 0) {
            throw ValidationError("--epochs must be at least 1 (0 only with --init and --precise-bn: re-estimate the BatchNorm statistics of a trained model)")
        }
        if batch < 1 { throw ValidationError("--batch must be at least 1") }
        if !(lr > 0) { throw ValidationError("--lr must be > 0") }
        if val < 0 { throw ValidationError("--val must be >= 0") }
        if (preciseBN ?? 0) < 0 { throw ValidationError("--precise-bn must be >= 0") }
        if swaEpochs < 0 || swaEpochs > max(epochs, 0) {
            throw ValidationError("--swa-epochs must be between 0 and --epochs (\(epochs)), not \(swaEpochs)")
        }
        if !["cosine", "step", "constant"].contains(schedule) { throw ValidationError("--schedule must be cosine, step or constant") }
    }

    func run() throws {
        compute.apply()
        let dir = data ?? Defaults.fashionMNISTDirectory
        var all = try DatasetLoader.load(directory: dir, format: dataset, split: .train, limit: limit)
        guard val < all.count else { throw ValidationError("--val \(val) leaves no training images (\(all.count) loaded)") }
        let validation = val > 0 ? all.subset(Array((all.count - val)..<all.count)) : nil
        if val > 0 { all = all.prefix(all.count - val) }
        let classes = Int(all.labels.max() ?? 0) + 1

        // Model: checkpoint > --init > fresh architecture.
        var checkpoint: (state: CheckpointState, modelPath: String, momentumPath: String, averagePath: String?)?
        let graph: Graph
        if let resume {
            checkpoint = try Trainer.readCheckpoint(resume)
            graph = try ONNXImporter.load(checkpoint!.modelPath)
        } else if let initModel {
            graph = try ONNXImporter.load(initModel)
        } else {
            graph = try Architectures.build(arch, channels: all.channels, height: all.height, width: all.width,
                                            classes: max(classes, all.classNames?.count ?? 0),
                                            classNames: all.classNames, seed: seed)
        }
        try InputSpec.check(graph, all, modelPath: resume ?? initModel ?? arch)
        let norm = try InputSpec.normalization(for: graph, data: all, mean: nil, std: nil)
        let source = checkpoint?.modelPath ?? initModel ?? arch
        let model: TrainableModel
        do {
            model = try TrainableModel(graph: graph)
            try model.validate(on: all.batch(0..<min(all.count, batch), normalization: norm))
        } catch let error as TrainingError {
            throw CLIError("\(source): \(error)")
        }
        // Learn before the epochs, not after them, that the result could not be written.
        do { _ = try ONNXExporter.serialize(model.graph) } catch let error as ModelError {
            throw CLIError("\(source): cannot be written back as ONNX after training: \(error.message)")
        }

        var config = TrainingConfig()
        config.epochs = epochs; config.batchSize = batch; config.learningRate = lr
        config.momentum = momentum; config.nesterov = nesterov; config.weightDecay = weightDecay
        config.schedule = schedule == "cosine" ? .cosine(minFactor: 0) : schedule == "step" ? .step(everyEpochs: stepEpochs, gamma: 0.1) : .constant
        config.warmupEpochs = warmup; config.seed = seed
        guard let bn = BatchNormMode(rawValue: bnMode) else {
            throw ValidationError("--bn must be train or frozen, not '\(bnMode)'")
        }
        guard bnMomentum >= 0, bnMomentum <= 1 else { throw ValidationError("--bn-momentum must be in [0, 1], not \(bnMomentum)") }
        config.batchNorm = bn; config.bnMomentum = bnMomentum
        if let state = checkpoint?.state {
            // The run's identity comes from the checkpoint: same seed and batch size, so the
            // remaining epochs see exactly the batches the uninterrupted run would have.
            config.seed = state.seed; config.batchSize = state.batchSize
            guard epochs > state.epoch else {
                throw ValidationError("--epochs \(epochs) is not beyond the \(state.epoch) epochs the checkpoint has done")
            }
            let stepsPerEpoch = (all.count + state.batchSize - 1) / state.batchSize
            guard state.step == state.epoch * stepsPerEpoch else {
                throw CLIError("\(resume ?? "checkpoint"): \(state.step) steps in \(state.epoch) epochs, but \(all.count) training images in batches of \(state.batchSize) make \(stepsPerEpoch) steps an epoch (resume with the same data, --limit and --val)")
            }
        }
        config.averageEpochs = swaEpochs
        config.augmentation = augment ? Augmentation(pad: pad, flip: true) : nil
        config.logEvery = logEvery
        let outBase = out.hasSuffix(".onnx") ? String(out.dropLast(5)) : out
        config.checkpointPrefix = outBase + ".ckpt"
        let trainer = Trainer(model: model, config: config, normalization: norm)
        if let checkpoint {
            try trainer.restore(state: checkpoint.state, momentumPath: checkpoint.momentumPath, averagePath: checkpoint.averagePath)
        }

        print("train: \(all.source), \(all.count) images\(validation.map { ", validation: last \($0.count)" } ?? "")")
        print("model: \(resume.map { "checkpoint \($0)" } ?? initModel ?? arch), \(model.parameterNames.count) parameter tensors, \(model.parameterNames.reduce(0) { $0 + model.parameter($1).count }) parameters, normalization \(norm)")
        print("config: epochs \(epochs) batch \(batch) lr \(lr) \(schedule) warmup \(warmup) momentum \(momentum)\(nesterov ? " nesterov" : "") wd \(weightDecay) seed \(seed) augment \(augment ? "crop±\(pad)+flip" : "off")\(swaEpochs > 0 ? " swa-epochs \(swaEpochs)" : "") threads \(Parallel.threadCount)")
        fflush(stdout)
        let started = Date()
        try trainer.fit(all, validation: validation)
        let averaged = trainer.applyWeightAverage()
        if averaged > 0 {
            var line = "swa: exported weights are the average of the last \(averaged) steps' weights"
            if preciseBN == 0 { line += " (--precise-bn 0: BatchNorm statistics are the last step's running averages, not the average's)" }
            print(line); fflush(stdout)
        }
        let recalibrate = preciseBN ?? (swaEpochs > 0 ? all.count : 0)
        if recalibrate > 0 {
            let t0 = Date()
            let used = try trainer.recalibrateBatchNorm(all, images: recalibrate, progress: Progress(label: "precise-bn").update)
            var line = String(format: "precise-bn: BatchNorm statistics re-estimated on %d training images (%@), %.1f s", used, augment ? "augmented" : "no augmentation", Date().timeIntervalSince(t0))
            if let validation, validation.count > 0 {
                let v = try trainer.evaluate(validation)
                line += String(format: "  val loss %.4f  val acc %.2f%%", v.loss, 100 * v.accuracy)
            }
            print(line); fflush(stdout)
        }
        try ONNXExporter.write(model.graph, to: out)
        print(String(format: "wrote %@ after %d epochs, %.1f s training", out, trainer.epoch, Date().timeIntervalSince(started)))
        if !noTest, let test = try? DatasetLoader.load(directory: dir, format: dataset, split: .test) {
            let written = try ONNXImporter.load(out)
            try InputSpec.check(written, test, modelPath: out)
            let exec = try Executor(graph: written)
            let r = try Evaluator(batchSize: 256, normalization: norm).evaluate(exec, on: test)
            print("test (\(test.count) images, re-imported \(out)): \(r.top1Line)")
        }
    }
}
