import Allocators
import Datasets
import Foundation
import Inference
import Quantizers
import Sensitivity
import Simulation

/// Turns allocation choices into quantization plans and measures them (statistics correction
/// on), caching each (plan, split) result so a point measured for one budget is not measured again.
final class PlanMeasurer {
    enum Split: Hashable { case validation, evaluation }

    let setup: SimulationSetup
    let model: String
    let layers: [QuantizableLayer]
    /// Candidate specs per layer, parallel to the allocation problem's options (nil = float).
    let specs: [[QuantizerSpec?]]
    let act: Int?
    let batch: Int
    private var cache: [Split: [[Int]: EvaluationResult]] = [:]
    private var floatResults: [Split: EvaluationResult] = [:]
    /// Validation only: the float model's logits, and each measured plan's mean KL(float ‖ plan).
    private var floatLogits: [Float]?
    private var divergences: [[Int]: Double] = [:]

    init(setup: SimulationSetup, model: String, layers: [QuantizableLayer], specs: [[QuantizerSpec?]], act: Int?, batch: Int) {
        self.setup = setup; self.model = model; self.layers = layers; self.specs = specs; self.act = act; self.batch = batch
    }

    var totalParams: Int { layers.reduce(0) { $0 + $1.weightCount } }

    func spec(_ choices: [Int], _ i: Int) -> QuantizerSpec? { specs[i][choices[i]] }

    func plan(_ choices: [Int]) -> QuantizationPlan {
        QuantizationPlan(model: model, layers: layers.indices.compactMap { i in
            spec(choices, i).map { .init(name: layers[i].name, weight: $0, activationBits: act) }
        })
    }

    /// Weight-count-weighted average weight bits (float = 32, ternary stored on 2).
    func averageBits(_ choices: [Int]) -> Double {
        layers.indices.reduce(0.0) { $0 + Double(layers[$1].weightCount) * Double(spec(choices, $1)?.bits ?? 32) } / Double(totalParams)
    }

    func packedBytes(_ choices: [Int]) -> Int {
        layers.indices.reduce(0) { acc, i in
            acc + (spec(choices, i).map { packedWeightBytes(parameterCount: layers[i].weightCount, channels: layers[i].channels, spec: $0) } ?? layers[i].weightCount * 4)
        }
    }

    func bops(_ choices: [Int]) -> Double {
        layers.indices.reduce(0.0) { acc, i in
            let s = spec(choices, i)
            return acc + Double(layers[i].summary.macs) * Double(s?.bits ?? 32) * Double(s == nil ? 32 : (act ?? 32))
        }
    }

    func dataset(_ split: Split) -> ImageDataset? { split == .validation ? setup.validation : setup.test }

    func float(_ split: Split) throws -> EvaluationResult {
        if let r = floatResults[split] { return r }
        guard let data = dataset(split) else { throw CLIError("no validation split (--val 0)") }
        let evaluator = Evaluator(batchSize: batch, normalization: setup.normalization, progress: Progress(label: "float").update)
        let r: EvaluationResult
        if split == .validation {
            (r, floatLogits) = try scored(evaluator, try Executor(graph: setup.graph), hooks: nil, data)
        } else {
            r = try evaluator.evaluate(try Executor(graph: setup.graph), on: data)
        }
        floatResults[split] = r
        return r
    }

    /// Top-1 / loss of `exec` on `data` and its logits (validation keeps them for the KL).
    private func scored(_ evaluator: Evaluator, _ exec: Executor, hooks: ExecutionHooks?, _ data: ImageDataset) throws
        -> (EvaluationResult, [Float]) {
        let logits = try evaluator.logits(exec, on: data, hooks: hooks)
        return (EvaluationResult.score(logits: logits.data, classes: logits.shape[1], labels: data.labels(0..<data.count)), logits.data)
    }

    func measure(_ choices: [Int], on split: Split) throws -> EvaluationResult {
        if let r = cache[split]?[choices] { return r }
        guard let data = dataset(split) else { throw CLIError("no validation split (--val 0)") }
        let q = try setup.simulator.prepare(plan(choices))
        let progress = Progress(label: split == .validation ? "validation" : "evaluate").update
        let r: EvaluationResult
        if split == .validation {
            // Validation keeps the logits: the mean KL(float ‖ plan) is what --refine compares.
            _ = try float(.validation)
            let (exec, hooks) = try q.executor()
            let logits: [Float]
            (r, logits) = try scored(Evaluator(batchSize: batch, normalization: setup.normalization, progress: progress), exec, hooks: hooks, data)
            divergences[choices] = SensitivityMetric.score(.kl, logits: logits, reference: floatLogits!, classes: logits.count / max(1, data.count),
                                                           labels: data.labels(0..<data.count))
        } else {
            r = try q.evaluate(on: data, normalization: setup.normalization, batchSize: batch, progress: progress)
        }
        cache[split, default: [:]][choices] = r
        return r
    }

    /// Mean KL(float ‖ plan) of the softmax outputs on the validation split (measured once).
    func divergence(_ choices: [Int]) throws -> Double {
        if divergences[choices] == nil { _ = try measure(choices, on: .validation) }
        return divergences[choices]!
    }

    func measured(_ choices: [Int], on split: Split) -> EvaluationResult? { cache[split]?[choices] }

    /// Top-1 drop vs float in points on `split`.
    func drop(_ choices: [Int], on split: Split) throws -> Double {
        (try float(split).top1 - measure(choices, on: split).top1) * 100
    }
}
