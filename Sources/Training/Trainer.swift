import Datasets
import Foundation
import ModelIR
import TensorMath

/// Hyper-parameters of a training run.
public struct TrainingConfig: Sendable {
    public var epochs: Int = 5
    public var batchSize: Int = 128
    public var learningRate: Float = 0.1
    public var momentum: Float = 0.9
    public var nesterov: Bool = true
    public var weightDecay: Float = 5e-4
    public var schedule: LRSchedule.Kind = .cosine(minFactor: 0)
    /// Linear warmup length in epochs (may be fractional).
    public var warmupEpochs: Double = 0
    public var seed: UInt64 = 1
    public var augmentation: Augmentation? = nil
    /// Print a progress line every this many steps (0 = only at epoch ends).
    public var logEvery: Int = 50
    /// When set, a checkpoint is written after every epoch to `<prefix>.onnx/.json/.momentum`.
    public var checkpointPrefix: String? = nil
    /// How BatchNormalization layers behave while training (see `BatchNormMode`).
    public var batchNorm: BatchNormMode = .train
    /// PyTorch-style running-statistics momentum for `.train` (weight of the new batch).
    public var bnMomentum: Float = 0.1
    /// Stochastic weight averaging (Izmailov et al., "Averaging Weights Leads to Wider Optima
    /// and Better Generalization", 2018): when > 0, the weights after every optimizer step of
    /// the last `averageEpochs` epochs are averaged, and `applyWeightAverage()` swaps the
    /// average in. Why: SGD at a constant LR keeps bouncing around the minimum it has reached;
    /// the mean of those iterates sits nearer the middle of the basin than any one of them.
    public var averageEpochs: Int = 0

    public init() {}
}

/// BatchNormalization behaviour during training.
///
/// `.train` is ordinary training: batch statistics, running statistics updated with
/// `bnMomentum`. `.frozen` normalizes with the running statistics and never updates them,
/// while the BN scale and bias still receive gradients — the usual choice when fine-tuning a
/// converged model at a small learning rate, where re-estimating the statistics from
/// augmented mini-batches only adds noise.
public enum BatchNormMode: String, Sendable, CaseIterable {
    case train, frozen
}

/// Optimizer state saved next to a checkpoint's ONNX file.
public struct CheckpointState: Codable, Sendable, Equatable {
    /// Epochs completed.
    public var epoch: Int
    /// Optimizer steps taken.
    public var step: Int
    /// LR of the last step taken.
    public var learningRate: Float
    public var seed: UInt64
    public var batchSize: Int
    /// File names (relative to the JSON file's directory).
    public var model: String
    public var momentum: String
    /// Parameter names in the order the momentum file stores them.
    public var parameters: [String]
    /// Weight average (float64, `parameters` order) and the number of steps in it, when the
    /// run averages weights and has started to (absent in older checkpoints).
    public var average: String? = nil
    public var averagedSteps: Int? = nil
}

/// Mini-batch SGD training of a `TrainableModel` on an `ImageDataset`.
///
/// Determinism: the epoch order is `SplitMix64.permutation(count, seed: seed + epoch·φ)`,
/// augmentation draws come from `SplitMix64(seed ^ step·φ')`, parameters are initialized from
/// the seed, and every reduction in the forward/backward pass has a fixed order for a given
/// thread count — so the same seed and thread count give bit-identical weights, and resuming
/// from an epoch checkpoint continues exactly as the uninterrupted run would.
public final class Trainer {
    public let model: TrainableModel
    public var config: TrainingConfig
    public var optimizer: SGD
    public let normalization: Normalization
    /// Epochs completed and optimizer steps taken so far.
    public private(set) var epoch = 0
    public private(set) var step = 0
    /// Running mean of the parameters over the averaged steps (see `TrainingConfig.averageEpochs`),
    /// in Double so that hundreds of small updates do not lose their low bits.
    public private(set) var weightAverage: [String: [Double]] = [:]
    public private(set) var averagedSteps = 0
    /// Where progress lines go (default: stdout).
    public var log: (String) -> Void = { print($0); fflush(stdout) }

    public init(model: TrainableModel, config: TrainingConfig, normalization: Normalization) {
        self.model = model
        self.config = config
        self.normalization = normalization
        self.optimizer = SGD(momentum: config.momentum, nesterov: config.nesterov, weightDecay: config.weightDecay)
    }

    public func schedule(trainCount: Int) -> LRSchedule {
        let spe = (trainCount + config.batchSize - 1) / config.batchSize
        return LRSchedule(base: config.learningRate, kind: config.schedule,
                          warmupSteps: Int((config.warmupEpochs * Double(spe)).rounded()),
                          totalSteps: spe * config.epochs, stepsPerEpoch: spe)
    }

    /// One epoch over `data`; returns (mean loss, accuracy, images/s).
    @discardableResult
    public func trainEpoch(_ data: ImageDataset) throws -> (loss: Double, accuracy: Double, imagesPerSecond: Double) {
        let sched = schedule(trainCount: data.count)
        let order = SplitMix64.permutation(count: data.count, seed: config.seed &+ UInt64(epoch + 1) &* 0x9E37_79B9_7F4A_7C15)
        let bs = config.batchSize
        let steps = (data.count + bs - 1) / bs
        let started = Date()
        var lossSum = 0.0, correct = 0, seen = 0
        var windowLoss = 0.0, windowCorrect = 0, windowSeen = 0, windowStart = Date()
        model.training = config.batchNorm == .train
        model.bnMomentum = config.bnMomentum
        let averaging = config.averageEpochs > 0 && epoch >= config.epochs - config.averageEpochs
        for s in 0..<steps {
            let idx = Array(order[(s * bs)..<min(data.count, (s + 1) * bs)])
            let sub = data.subset(idx)
            var x = sub.batch(0..<sub.count, normalization: normalization)
            if let aug = config.augmentation {
                var rng = SplitMix64(seed: config.seed ^ (UInt64(step + 1) &* 0xD1B5_4A32_D192_ED03))
                aug.apply(&x, normalization: normalization, rng: &rng)
            }
            let lr = sched.lr(at: step)
            let logits = try model.forward(x)
            let ce = SoftmaxCrossEntropy.evaluate(logits: logits.reshaped([sub.count, logits.count / sub.count]), labels: sub.labels)
            guard ce.loss.isFinite else { throw TrainingError("loss became \(ce.loss) at epoch \(epoch + 1) step \(s + 1) (learning rate \(lr) too high?)") }
            let grads = try model.backward(ce.grad.reshaped(logits.shape))
            model.clearCache()
            optimizer.step(model, gradients: grads, lr: lr)
            step += 1
            if averaging { accumulateWeightAverage() }
            lossSum += ce.loss * Double(sub.count); correct += ce.correct; seen += sub.count
            windowLoss += ce.loss * Double(sub.count); windowCorrect += ce.correct; windowSeen += sub.count
            if config.logEvery > 0, (s + 1) % config.logEvery == 0 || s + 1 == steps {
                let dt = Date().timeIntervalSince(windowStart)
                log(String(format: "epoch %d/%d step %d/%d  loss %.4f  acc %.2f%%  lr %.5f  %.0f img/s",
                           epoch + 1, config.epochs, s + 1, steps, windowLoss / Double(windowSeen),
                           100 * Double(windowCorrect) / Double(windowSeen), lr, Double(windowSeen) / max(dt, 1e-9)))
                windowLoss = 0; windowCorrect = 0; windowSeen = 0; windowStart = Date()
            }
        }
        epoch += 1
        let secs = Date().timeIntervalSince(started)
        return (lossSum / Double(max(seen, 1)), Double(correct) / Double(max(seen, 1)), Double(seen) / max(secs, 1e-9))
    }

    /// Folds the current parameters into the running mean: a += (p − a)/n.
    private func accumulateWeightAverage() {
        averagedSteps += 1
        let w = 1 / Double(averagedSteps)
        for name in model.parameterNames {
            let p = model.parameter(name).data
            var a = weightAverage.removeValue(forKey: name) ?? [Double](repeating: 0, count: p.count)
            p.withUnsafeBufferPointer { pb in
                a.withUnsafeMutableBufferPointer { ab in
                    for i in 0..<ab.count { ab[i] += (Double(pb[i]) - ab[i]) * w }
                }
            }
            weightAverage[name] = a
        }
    }

    /// Replaces every parameter by its average over the averaged steps (rounded to Float) and
    /// returns how many steps the average holds (0: nothing averaged, model unchanged). BN
    /// running statistics are buffers and are not averaged: they describe the activations of
    /// the iterates, not of their mean, so re-estimate them afterwards with
    /// `recalibrateBatchNorm` (as SWA does).
    @discardableResult
    public func applyWeightAverage() -> Int {
        guard averagedSteps > 0 else { return 0 }
        model.updateParameters { name, p in
            guard let a = weightAverage[name], a.count == p.count else { return }
            for i in 0..<p.count { p[i] = Float(a[i]) }
        }
        return averagedSteps
    }

    /// Loss and top-1 of the model in eval mode (BN running statistics).
    public func evaluate(_ data: ImageDataset, batchSize: Int = 256) throws -> (loss: Double, accuracy: Double) {
        model.training = false
        defer { model.training = config.batchNorm == .train; model.clearCache() }
        var loss = 0.0, correct = 0
        var start = 0
        while start < data.count {
            let r = start..<min(data.count, start + batchSize)
            let logits = try model.forward(data.batch(r, normalization: normalization))
            let ce = SoftmaxCrossEntropy.evaluate(logits: logits.reshaped([r.count, logits.count / r.count]), labels: data.labels(r))
            loss += ce.loss * Double(r.count); correct += ce.correct
            start = r.upperBound
        }
        return (loss / Double(max(data.count, 1)), Double(correct) / Double(max(data.count, 1)))
    }

    /// PreciseBN (Wu & Johnson, "Rethinking 'Batch' in BatchNorm", 2021): re-estimates every
    /// BatchNormalization running mean/variance with the *final* weights, from up to `images`
    /// training images (a seeded sample, `config.batchSize` per batch), augmented with
    /// `config.augmentation` like the training batches.
    ///
    /// Why: the running statistics an epoch leaves behind are an exponential average over
    /// batches drawn while the weights were still moving, so they lag the weights that are
    /// exported; with `bnMomentum` 0 they are the initial model's. Augmented, because the
    /// statistics must describe the distribution the weights were trained under: the
    /// pretrained CIFAR-10 ResNet-20 re-estimated on clean images loses 2.9 points of top-1
    /// (its first BN sees 20% less variance without the zero-padded crop borders). Here
    /// batch k gets momentum 1/(k+1), so the result is the plain average of the per-batch means
    /// and unbiased variances (PyTorch's cumulative average), computed in training mode like the
    /// forward pass the statistics describe. Only full batches are used when there is at least
    /// one, so every batch weighs the same. Weights are not touched. Returns the images used.
    /// `progress` is called with (images done, images to do) after each batch.
    @discardableResult
    public func recalibrateBatchNorm(_ data: ImageDataset, images: Int, progress: ((Int, Int) -> Void)? = nil) throws -> Int {
        guard images > 0, data.count > 0, !model.bufferNames.isEmpty else { return 0 }
        let (wasTraining, momentum) = (model.training, model.bnMomentum)
        defer { model.training = wasTraining; model.bnMomentum = momentum; model.clearCache() }
        let order = SplitMix64.permutation(count: data.count, seed: config.seed ^ 0x5052_4543_4953_4542)
        let bs = max(1, config.batchSize)
        let total = min(images, data.count)
        let batches = total >= bs ? total / bs : 1
        model.training = true
        for k in 0..<batches {
            let idx = Array(order[(k * bs)..<min(total, (k + 1) * bs)])
            let sub = data.subset(idx)
            model.bnMomentum = 1 / Float(k + 1)
            var x = sub.batch(0..<sub.count, normalization: normalization)
            if let aug = config.augmentation {
                var rng = SplitMix64(seed: config.seed ^ 0x5052_4543_4953_4542 ^ (UInt64(k + 1) &* 0xD1B5_4A32_D192_ED03))
                aug.apply(&x, normalization: normalization, rng: &rng)
            }
            _ = try model.forward(x)
            model.clearCache()
            progress?((k + 1) * sub.count, total >= bs ? batches * bs : total)
        }
        return total >= bs ? batches * bs : total
    }

    /// Trains from the current epoch to `config.epochs`, validating after each epoch
    /// when `validation` is given and checkpointing when `config.checkpointPrefix` is set.
    public func fit(_ train: ImageDataset, validation: ImageDataset? = nil) throws {
        while epoch < config.epochs {
            let t0 = Date()
            let r = try trainEpoch(train)
            var line = String(format: "epoch %d/%d done  train loss %.4f  train acc %.2f%%  %.0f img/s  %.1fs",
                              epoch, config.epochs, r.loss, 100 * r.accuracy, r.imagesPerSecond, Date().timeIntervalSince(t0))
            if let validation, validation.count > 0 {
                let v = try evaluate(validation)
                line += String(format: "  val loss %.4f  val acc %.2f%%", v.loss, 100 * v.accuracy)
            }
            log(line)
            if let prefix = config.checkpointPrefix { try saveCheckpoint(prefix: prefix, trainCount: train.count) }
        }
    }

    // MARK: Checkpoints

    /// Writes `<prefix>.onnx` (the model, BN running statistics included), `<prefix>.momentum`
    /// (little-endian float32 momentum buffers in `parameterNames` order) and `<prefix>.json`
    /// (epoch, step, LR, file names), each through a temporary file and a rename; the JSON is
    /// written last, so a checkpoint whose JSON exists is complete.
    public func saveCheckpoint(prefix: String, trainCount: Int) throws {
        let base = URL(fileURLWithPath: prefix).lastPathComponent
        try ONNXExporter.write(model.graph, to: prefix + ".onnx")
        try AtomicFile.write(packParameters { name in
            (optimizer.buffers[name] ?? [Float](repeating: 0, count: model.parameter(name).count)).map(\.bitPattern)
        }, to: prefix + ".momentum")
        var state = CheckpointState(epoch: epoch, step: step, learningRate: schedule(trainCount: trainCount).lr(at: max(0, step - 1)),
                                    seed: config.seed, batchSize: config.batchSize, model: base + ".onnx",
                                    momentum: base + ".momentum", parameters: model.parameterNames)
        if averagedSteps > 0 {
            try AtomicFile.write(packParameters { (weightAverage[$0] ?? []).map(\.bitPattern) }, to: prefix + ".average")
            state.average = base + ".average"; state.averagedSteps = averagedSteps
        }
        let enc = JSONEncoder()
        enc.outputFormatting = [.prettyPrinted, .sortedKeys]
        try AtomicFile.write(try enc.encode(state), to: prefix + ".json")
    }

    /// The checkpoint layout of per-parameter arrays (momentum: float32, average: float64):
    /// each parameter's words in `parameterNames` order, little-endian, back to back.
    private func packParameters<W: FixedWidthInteger>(_ words: (String) -> [W]) -> Data {
        var raw = Data()
        for name in model.parameterNames {
            for w in words(name) { withUnsafeBytes(of: w.littleEndian) { raw.append(contentsOf: $0) } }
        }
        return raw
    }

    /// Reads what `packParameters` wrote, checking the size against the model's parameters.
    private func unpackParameters<W: FixedWidthInteger>(_ path: String, what: String, as: W.Type) throws -> [String: [W]] {
        guard let raw = FileManager.default.contents(atPath: path) else { throw TrainingError("\(path): cannot read \(what)") }
        let size = MemoryLayout<W>.size
        let total = model.parameterNames.reduce(0) { $0 + model.parameter($1).count }
        guard raw.count == total * size else {
            throw TrainingError("\(path): \(what): \(raw.count) bytes, expected \(total * size)")
        }
        var out: [String: [W]] = [:]
        var offset = 0
        raw.withUnsafeBytes { (p: UnsafeRawBufferPointer) in
            for name in model.parameterNames {
                let n = model.parameter(name).count
                out[name] = (0..<n).map { W(littleEndian: p.loadUnaligned(fromByteOffset: (offset + $0) * size, as: W.self)) }
                offset += n
            }
        }
        return out
    }

    /// Reads a checkpoint's JSON (path of the `.json` file, or the prefix without extension).
    public static func readCheckpoint(_ path: String) throws -> (state: CheckpointState, modelPath: String, momentumPath: String, averagePath: String?) {
        let json = path.hasSuffix(".json") ? path : path + ".json"
        guard let data = FileManager.default.contents(atPath: json) else { throw TrainingError("\(json): cannot read checkpoint") }
        let state: CheckpointState
        do { state = try JSONDecoder().decode(CheckpointState.self, from: data) } catch {
            throw TrainingError("\(json): not a BitBudget checkpoint (\(error))")
        }
        guard state.epoch >= 0, state.step >= 0, state.batchSize >= 1, (state.averagedSteps ?? 0) >= 0,
              state.step >= state.epoch, state.learningRate.isFinite else {
            throw TrainingError("\(json): inconsistent checkpoint (epoch \(state.epoch), step \(state.step), batch size \(state.batchSize), learning rate \(state.learningRate), averaged steps \(state.averagedSteps ?? 0))")
        }
        let dir = URL(fileURLWithPath: json).deletingLastPathComponent()
        return (state, dir.appendingPathComponent(state.model).path, dir.appendingPathComponent(state.momentum).path,
                state.average.map { dir.appendingPathComponent($0).path })
    }

    /// Restores epoch/step counters, momentum buffers and the weight average, if the checkpoint
    /// has one (the model must have been built from the checkpoint's ONNX file).
    public func restore(state: CheckpointState, momentumPath: String, averagePath: String? = nil) throws {
        guard state.parameters == model.parameterNames else {
            throw TrainingError("\(momentumPath): checkpoint parameters do not match the model")
        }
        let momentum = try unpackParameters(momentumPath, what: "momentum buffers", as: UInt32.self)
        var average: [String: [Double]] = [:]
        if let steps = state.averagedSteps, steps > 0 {
            guard let averagePath else { throw TrainingError("checkpoint: no file for its weight average of \(steps) steps") }
            average = try unpackParameters(averagePath, what: "the weight average", as: UInt64.self).mapValues { $0.map(Double.init(bitPattern:)) }
        }
        optimizer.buffers = momentum.mapValues { $0.map(Float.init(bitPattern:)) }
        weightAverage = average
        averagedSteps = average.isEmpty ? 0 : state.averagedSteps ?? 0
        epoch = state.epoch
        step = state.step
    }
}
