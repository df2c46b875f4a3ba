import Allocators
import Datasets
import Foundation
import Inference
import Quantizers
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
        let r = try Evaluator(batchSize: batch, normalization: setup.normalization, progress: Progress(label: "float").update)
            .evaluate(try Executor(graph: setup.graph), on: data)
        floatResults[split] = r
        return r
    }

    func measure(_ choices: [Int], on split: Split) throws -> EvaluationResult {
        if let r = cache[split]?[choices] { return r }
        guard let data = dataset(split) else { throw CLIError("no validation split (--val 0)") }
        let q = try setup.simulator.prepare(plan(choices))
        let r = try q.evaluate(on: data, normalization: setup.normalization, batchSize: batch,
                               progress: Progress(label: split == .validation ? "validation" : "evaluate").update)
        cache[split, default: [:]][choices] = r
        return r
    }

    func measured(_ choices: [Int], on split: Split) -> EvaluationResult? { cache[split]?[choices] }

    /// Top-1 drop vs float in points on `split`.
    func drop(_ choices: [Int], on split: Split) throws -> Double {
        (try float(split).top1 - measure(choices, on: split).top1) * 100
    }
}
