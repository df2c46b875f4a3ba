import Datasets
import Foundation
import Inference
import ModelIR
import TensorMath
import XCTest
@testable import Training

final class TrainerTests: XCTestCase {
    /// 64 random 8×8 images with random labels (pure memorization).
    func randomImages(_ n: Int = 64, seed: UInt64 = 5) -> ImageDataset {
        var rng = SplitMix64(seed: seed)
        let pixels = (0..<(n * 64)).map { _ in UInt8(truncatingIfNeeded: rng.next()) }
        let labels = (0..<n).map { _ in Int32(rng.nextIndex(below: 10)) }
        return ImageDataset(images: pixels, labels: labels, channels: 1, height: 8, width: 8)
    }

    func tinyConfig(epochs: Int) -> TrainingConfig {
        var c = TrainingConfig()
        c.epochs = epochs; c.batchSize = 16; c.learningRate = 0.05; c.weightDecay = 0
        c.schedule = .constant; c.logEvery = 0; c.seed = 9
        return c
    }

    func testTinyNetworkOverfits64Images() throws {
        let data = randomImages()
        let g = try Architectures.build("vgg-tiny", channels: 1, height: 8, width: 8, classes: 10, seed: 1)
        let trainer = Trainer(model: try TrainableModel(graph: g), config: tinyConfig(epochs: 40), normalization: .identity())
        trainer.log = { _ in }
        try trainer.fit(data)
        let r = try trainer.evaluate(data)
        XCTAssertEqual(r.accuracy, 1.0, "train accuracy \(r.accuracy) loss \(r.loss)")
        // The exported model scores the same through the inference executor.
        let exec = try Executor(graph: try ONNXImporter(file: "mem").importModel(try ONNXExporter.serialize(trainer.model.graph)))
        let e = try Evaluator(batchSize: 64, normalization: .identity()).evaluate(exec, on: data)
        XCTAssertEqual(e.top1, 1.0)
    }

    func testSameSeedSameWeightsAndResumeMatches() throws {
        let data = randomImages(48, seed: 11)
        var config = tinyConfig(epochs: 2)
        config.augmentation = Augmentation(pad: 1, flip: true)
        config.schedule = .cosine(minFactor: 0); config.weightDecay = 5e-4; config.warmupEpochs = 0.4
        func run(_ epochs: Int, checkpoint: String? = nil) throws -> Trainer {
            let g = try Architectures.build("resnet-small", channels: 1, height: 8, width: 8, classes: 10, seed: 4)
            var c = config; c.checkpointPrefix = checkpoint
            let t = Trainer(model: try TrainableModel(graph: g), config: c, normalization: .fashionMNIST)
            t.log = { _ in }
            // A 2-epoch run, interrupted after `epochs` epochs (the schedule spans both).
            for _ in 0..<epochs {
                try t.trainEpoch(data)
                if let checkpoint { try t.saveCheckpoint(prefix: checkpoint, trainCount: data.count) }
            }
            return t
        }
        let a = try run(2), b = try run(2)
        XCTAssertEqual(a.model.graph.initializers, b.model.graph.initializers)

        let dir = FileManager.default.temporaryDirectory.appendingPathComponent("bb-ckpt-\(getpid())")
        try FileManager.default.createDirectory(at: dir, withIntermediateDirectories: true)
        defer { try? FileManager.default.removeItem(at: dir) }
        let prefix = dir.appendingPathComponent("run").path
        _ = try run(1, checkpoint: prefix)
        let ck = try Trainer.readCheckpoint(prefix + ".json")
        XCTAssertEqual(ck.state.epoch, 1)
        let resumed = Trainer(model: try TrainableModel(graph: try ONNXImporter.load(ck.modelPath)), config: config, normalization: .fashionMNIST)
        resumed.log = { _ in }
        try resumed.restore(state: ck.state, momentumPath: ck.momentumPath, averagePath: ck.averagePath)
        try resumed.fit(data)
        for (k, v) in a.model.graph.initializers {
            XCTAssertEqual(resumed.model.graph.initializers[k], v, "\(k) differs after resume")
        }
    }

    /// Weight averaging: the exported weights are the mean of the weights after each step of
    /// the last `averageEpochs` epochs (one step per epoch here, so they can be read off an
    /// un-averaged run of the same seed), BN buffers are left alone, and a run resumed from a
    /// checkpoint taken mid-average ends with the same average.
    func testWeightAverageIsMeanOfStepWeightsAndSurvivesResume() throws {
        let data = randomImages(32, seed: 13)
        var config = tinyConfig(epochs: 3)
        config.batchSize = 32
        func fresh(_ c: TrainingConfig) throws -> Trainer {
            let g = try Architectures.build("resnet-small", channels: 1, height: 8, width: 8, classes: 10, seed: 6)
            let t = Trainer(model: try TrainableModel(graph: g), config: c, normalization: .fashionMNIST)
            t.log = { _ in }
            return t
        }
        let plain = try fresh(config)
        var after: [[String: Tensor]] = []
        for _ in 0..<3 { try plain.trainEpoch(data); after.append(plain.model.graph.initializers) }
        XCTAssertEqual(plain.applyWeightAverage(), 0)

        var averaging = config; averaging.averageEpochs = 2
        let a = try fresh(averaging)
        try a.fit(data)
        XCTAssertEqual(a.model.graph.initializers, after[2], "averaging must not change the trajectory")
        XCTAssertEqual(a.applyWeightAverage(), 2)
        var moved = 0
        for name in a.model.parameterNames {
            let w1 = after[1][name]!.data, w2 = after[2][name]!.data, got = a.model.parameter(name).data
            for i in 0..<got.count {
                let want = (Double(w1[i]) + Double(w2[i])) / 2
                XCTAssertEqual(Double(got[i]), want, accuracy: 1e-6 * max(1, abs(want)), "\(name)[\(i)]")
                if w1[i] != w2[i] { moved += 1 }
            }
        }
        XCTAssertGreaterThan(moved, 100, "the last two epochs must move the weights for the test to mean anything")
        for name in a.model.bufferNames { XCTAssertEqual(a.model.parameter(name), after[2][name], name) }

        let dir = FileManager.default.temporaryDirectory.appendingPathComponent("bb-swa-\(getpid())")
        try FileManager.default.createDirectory(at: dir, withIntermediateDirectories: true)
        defer { try? FileManager.default.removeItem(at: dir) }
        let prefix = dir.appendingPathComponent("run").path
        let first = try fresh(averaging)
        for _ in 0..<2 { try first.trainEpoch(data) }
        try first.saveCheckpoint(prefix: prefix, trainCount: data.count)
        let ck = try Trainer.readCheckpoint(prefix)
        XCTAssertEqual(ck.state.averagedSteps, 1)
        let resumed = Trainer(model: try TrainableModel(graph: try ONNXImporter.load(ck.modelPath)), config: averaging, normalization: .fashionMNIST)
        resumed.log = { _ in }
        try resumed.restore(state: ck.state, momentumPath: ck.momentumPath, averagePath: ck.averagePath)
        try resumed.fit(data)
        XCTAssertEqual(resumed.applyWeightAverage(), 2)
        XCTAssertEqual(resumed.model.graph.initializers, a.model.graph.initializers)
        // A checkpoint that claims an average it does not carry is refused, naming the file.
        let truncated = ck.averagePath!
        try Data(count: 8).write(to: URL(fileURLWithPath: truncated))
        XCTAssertThrowsError(try Trainer(model: try TrainableModel(graph: try ONNXImporter.load(ck.modelPath)), config: averaging,
                                         normalization: .fashionMNIST).restore(state: ck.state, momentumPath: ck.momentumPath, averagePath: truncated)) {
            XCTAssertTrue("\($0)".contains("run.average") && "\($0)".contains("weight average"), "\($0)")
        }
    }

    /// A hand-edited or damaged checkpoint JSON is refused with its numbers, before a batch
    /// size of 0 divides anything or a negative step reaches the schedule.
    func testInconsistentCheckpointIsRefused() throws {
        let dir = FileManager.default.temporaryDirectory.appendingPathComponent("bb-badckpt-\(getpid())")
        try FileManager.default.createDirectory(at: dir, withIntermediateDirectories: true)
        defer { try? FileManager.default.removeItem(at: dir) }
        let good = CheckpointState(epoch: 1, step: 4, learningRate: 0.01, seed: 1, batchSize: 64,
                                   model: "m.onnx", momentum: "m.momentum", parameters: ["w"])
        var cases: [CheckpointState] = []
        for edit in [{ (s: inout CheckpointState) in s.batchSize = 0 }, { $0.epoch = -1 }, { $0.step = -3 },
                     { $0.step = 0 }, { $0.averagedSteps = -2 }] {
            var s = good; edit(&s); cases.append(s)
        }
        let path = dir.appendingPathComponent("c.json").path
        try JSONEncoder().encode(good).write(to: URL(fileURLWithPath: path))
        XCTAssertEqual(try Trainer.readCheckpoint(path).state, good)
        for bad in cases {
            try JSONEncoder().encode(bad).write(to: URL(fileURLWithPath: path))
            XCTAssertThrowsError(try Trainer.readCheckpoint(path), "\(bad)") {
                XCTAssertTrue("\($0)".contains("c.json: inconsistent checkpoint"), "\($0)")
            }
        }
    }

    /// `--bn frozen`: running statistics stay exactly as they were, while BN scale/bias and
    /// the conv weights still move; `.train` changes the running statistics.
    func testFrozenBatchNormKeepsRunningStatistics() throws {
        let data = randomImages(32, seed: 3)
        func run(_ mode: BatchNormMode) throws -> (before: [String: Tensor], after: [String: Tensor], buffers: [String]) {
            let g = try Architectures.build("resnet-small", channels: 1, height: 8, width: 8, classes: 10, seed: 2)
            var c = tinyConfig(epochs: 1); c.batchNorm = mode
            let model = try TrainableModel(graph: g)
            let t = Trainer(model: model, config: c, normalization: .fashionMNIST)
            t.log = { _ in }
            try t.trainEpoch(data)
            return (g.initializers, model.graph.initializers, model.bufferNames)
        }
        let frozen = try run(.frozen)
        XCTAssertFalse(frozen.buffers.isEmpty)
        for name in frozen.buffers { XCTAssertEqual(frozen.before[name], frozen.after[name], name) }
        let moved = frozen.before.keys.filter { frozen.before[$0] != frozen.after[$0] }
        XCTAssertFalse(moved.isEmpty, "frozen BN must still train the parameters")
        let trained = try run(.train)
        XCTAssertTrue(trained.buffers.contains { trained.before[$0] != trained.after[$0] })
    }

    /// PreciseBN: the running statistics become the average of the per-batch statistics of the
    /// un-augmented images (here the population mean, and with one batch the unbiased variance),
    /// whatever they were before; parameters and the training flag are left alone.
    func testPreciseBatchNormReestimatesRunningStatistics() throws {
        let data = randomImages(64, seed: 7)
        let g = Graph(name: "bn", inputs: [ValueInfo(name: "x", shape: [nil, 1, 8, 8])], outputs: ["y"],
                      nodes: [Node(name: "bn", op: .batchNorm(epsilon: 1e-5), inputs: ["x", "s", "b", "m", "v"], outputs: ["y"])],
                      initializers: ["s": Tensor(shape: [1], data: [1.5]), "b": Tensor(shape: [1], data: [0.25]),
                                     "m": Tensor(shape: [1], data: [-3]), "v": Tensor(shape: [1], data: [9])])
        let x = data.batch(0..<64, normalization: .fashionMNIST).data.map(Double.init)
        let mean = x.reduce(0, +) / Double(x.count)
        let unbiased = x.reduce(0) { $0 + ($1 - mean) * ($1 - mean) } / Double(x.count - 1)
        for (batch, images) in [(16, 64), (64, 64), (16, 1000)] {
            var c = tinyConfig(epochs: 1); c.batchSize = batch
            let model = try TrainableModel(graph: g)
            model.training = false
            let t = Trainer(model: model, config: c, normalization: .fashionMNIST)
            XCTAssertEqual(try t.recalibrateBatchNorm(data, images: images), 64)
            XCTAssertEqual(Double(model.parameter("m").data[0]), mean, accuracy: 1e-4, "batch \(batch)")
            if batch == 64 { XCTAssertEqual(Double(model.parameter("v").data[0]), unbiased, accuracy: 1e-3 * unbiased) }
            XCTAssertNotEqual(model.parameter("v").data[0], 9)
            XCTAssertEqual(model.parameter("s").data, [1.5]); XCTAssertEqual(model.parameter("b").data, [0.25])
            XCTAssertFalse(model.training)
        }
        // 40 of 64 images in batches of 16: two full batches, the partial one is left out.
        let model = try TrainableModel(graph: g)
        var c = tinyConfig(epochs: 1); c.batchSize = 16
        XCTAssertEqual(try Trainer(model: model, config: c, normalization: .fashionMNIST).recalibrateBatchNorm(data, images: 40), 32)
        XCTAssertEqual(try Trainer(model: model, config: c, normalization: .fashionMNIST).recalibrateBatchNorm(data, images: 0), 0)
        // Progress: after each batch, images done of images to do.
        var seen: [[Int]] = []
        try Trainer(model: model, config: c, normalization: .fashionMNIST).recalibrateBatchNorm(data, images: 40) { seen.append([$0, $1]) }
        XCTAssertEqual(seen, [[16, 32], [32, 32]])
    }

    func testLRScheduleShapes() {
        let s = LRSchedule(base: 0.1, kind: .cosine(minFactor: 0), warmupSteps: 10, totalSteps: 110, stepsPerEpoch: 10)
        XCTAssertEqual(s.lr(at: 0), 0.01, accuracy: 1e-7)
        XCTAssertEqual(s.lr(at: 9), 0.1, accuracy: 1e-7)
        XCTAssertEqual(s.lr(at: 10), 0.1, accuracy: 1e-7)
        XCTAssertEqual(s.lr(at: 60), 0.05, accuracy: 1e-6)
        XCTAssertEqual(s.lr(at: 110), 0, accuracy: 1e-7)
        let st = LRSchedule(base: 1, kind: .step(everyEpochs: 2, gamma: 0.1), totalSteps: 100, stepsPerEpoch: 10)
        XCTAssertEqual(st.lr(at: 19), 1); XCTAssertEqual(st.lr(at: 20), 0.1, accuracy: 1e-7)
    }

    func testSGDNesterovAndDecayOnlyOnWeights() throws {
        let g = try Architectures.build("vgg-tiny", channels: 1, height: 8, width: 8, classes: 2, seed: 1)
        let m = try TrainableModel(graph: g)
        XCTAssertTrue(m.decayedParameters.contains("conv1.weight"))
        XCTAssertTrue(m.decayedParameters.contains("fc.weight"))
        XCTAssertFalse(m.decayedParameters.contains("fc.bias"))
        XCTAssertFalse(m.decayedParameters.contains("conv1.bn.weight"))
        var sgd = SGD(momentum: 0.9, nesterov: true, weightDecay: 0.1)
        let p0 = m.parameter("fc.bias").data[0], w0 = m.parameter("fc.weight").data[0]
        var grads: [String: Tensor] = [:]
        for n in m.parameterNames { grads[n] = Tensor(repeating: 1, shape: m.parameter(n).shape) }
        sgd.step(m, gradients: grads, lr: 0.5)
        // v = g; p -= lr·(g + μ·v) = lr·1.9 for the bias; the weight also sees wd·p.
        XCTAssertEqual(m.parameter("fc.bias").data[0], p0 - 0.5 * 1.9, accuracy: 1e-6)
        let gw = 1 + 0.1 * w0
        XCTAssertEqual(m.parameter("fc.weight").data[0], w0 - 0.5 * (gw + 0.9 * gw), accuracy: 1e-6)
    }

    func testAugmentationFlipAndCrop() {
        var x = Tensor(shape: [1, 1, 2, 3], data: [1, 2, 3, 4, 5, 6])
        let flipOnly = Augmentation(pad: 0, flip: true)
        var rng = SplitMix64(seed: 0)
        var flipped = false
        for _ in 0..<8 {
            let before = x
            flipOnly.apply(&x, normalization: .identity(), rng: &rng)
            if x != before { XCTAssertEqual(x.data, [before.data[2], before.data[1], before.data[0], before.data[5], before.data[4], before.data[3]]); flipped = true }
        }
        XCTAssertTrue(flipped)
        var y = Tensor(shape: [4, 1, 3, 3], data: (0..<36).map(Float.init))
        var rng2 = SplitMix64(seed: 1)
        Augmentation(pad: 1, flip: false).apply(&y, normalization: try! Normalization(mean: [0.5], std: [0.25]), rng: &rng2)
        // Every output value is either an input value of the same image or the pad value −2.
        for img in 0..<4 {
            for v in y.data[(img * 9)..<(img * 9 + 9)] {
                XCTAssertTrue(v == -2 || (Float(img * 9)...Float(img * 9 + 8)).contains(v))
            }
        }
    }
}
