import Foundation
import Quantizers
import Simulation
import TensorMath

/// Per-layer, per-bit-width sensitivity: quantize layer l alone at b bits (all others float,
/// statistics correction as in the final evaluation) and score the calibration logits
/// against the float model's.
///
/// By default the float prefix before each layer is computed once per calibration chunk and
/// reused (`SuffixSensitivity`). `exactReference` keeps the original path — one full
/// `Simulator.prepare` pass per (layer, bits) — which the suffix path must reproduce.
public struct SensitivityAnalyzer {
    public let simulator: Simulator
    public let labels: [Int32]
    public var metric: SensitivityMetric
    public var correction: Bool
    /// Full simulator pass per (layer, bits) instead of the cached float prefix.
    public var exactReference: Bool
    /// Calibration images per chunk on the prefix-reuse path.
    public var chunk: Int
    /// Settings of `metric == .hessian`.
    public var hessian = HessianOptions()

    public init(simulator: Simulator, labels: [Int32], metric: SensitivityMetric = .loss, correction: Bool = true,
                exactReference: Bool = false, chunk: Int = 128) {
        self.simulator = simulator; self.labels = labels; self.metric = metric; self.correction = correction
        self.exactReference = exactReference; self.chunk = chunk
    }

    /// The layer × candidate matrix: `scores[l][i]` for `candidates[i]` (each a weight spec).
    /// `layers` restricts the analysis (pinned/float layers are skipped by the caller).
    public func analyze(layers: [QuantizableLayer], candidates: [QuantizerSpec],
                        progress: ((Int, Int) -> Void)? = nil) throws -> [[Double]] {
        if metric == .hessian {
            return try HessianSensitivity(simulator: simulator, labels: labels, options: hessian, correction: correction, chunk: chunk)
                .analyze(layers: layers, candidates: candidates, progress: progress)
        }
        if !exactReference {
            return try SuffixSensitivity(simulator: simulator, labels: labels, metric: metric, correction: correction, chunk: chunk)
                .analyze(layers: layers, candidates: candidates, progress: progress)
        }
        let reference = try simulator.prepare(QuantizationPlan(layers: [])).calibrationLogits
        let k = reference.count / max(1, reference.shape[0])
        var out: [[Double]] = []
        var done = 0
        for layer in layers {
            var row: [Double] = []
            for spec in candidates {
                let plan = QuantizationPlan(layers: [.init(name: layer.name, weight: spec)])
                let q = try simulator.prepare(plan, correction: correction)
                row.append(max(0, SensitivityMetric.score(metric, logits: q.calibrationLogits.data, reference: reference.data,
                                                          classes: k, labels: labels)))
                done += 1
                progress?(done, layers.count * candidates.count)
            }
            out.append(row)
        }
        return out
    }
}
