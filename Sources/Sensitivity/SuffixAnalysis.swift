import Foundation
import Inference
import ModelIR
import Quantizers
import Simulation
import TensorMath

/// Sensitivity on a cached float prefix: the calibration batch runs through the float model
/// once per chunk, the executor's state is captured just before every analyzed layer, and each
/// (layer l, bits b) resumes from that state with only l's weight replaced — everything before
/// l is float and unchanged, so it is never recomputed.
///
/// Statistics correction needs l's quantized output statistics over *all* calibration images
/// before any image's suffix can run, so the analysis makes two passes over the chunks:
///   1. statistics: per chunk, the float prefix (captured) plus l's quantized conv alone,
///      accumulated per channel (`ChannelMoments`, the same order as `ChannelStatistics`);
///   2. scores: per chunk, the float prefix again, then for each (l, b) the suffix from l with
///      the correction y ↦ a·y + b at l, scored against the float logits.
/// Per-image scores are added to one running total per (l, b) image after image, so the
/// result equals `SensitivityAnalyzer`'s full-pass path (`exactReference`) — bit for bit when
/// the kernels give each image the same result whatever the batch (chunks of a multiple of 16
/// images keep the convolution's image grouping aligned).
/// Peak memory: the float activations of one chunk (COW-shared between captured states).
public struct SuffixSensitivity {
    public let simulator: Simulator
    public let labels: [Int32]
    public var metric: SensitivityMetric
    public var correction: Bool
    /// Calibration images per chunk.
    public var chunk: Int

    public init(simulator: Simulator, labels: [Int32], metric: SensitivityMetric = .loss, correction: Bool = true, chunk: Int = 128) {
        self.simulator = simulator; self.labels = labels; self.metric = metric; self.correction = correction
        self.chunk = max(1, chunk)
    }

    struct Prepared {
        let exec: Executor
        let steps: [Int]
        let weightSlots: [Int]
        let isConv: [Bool]
        let weights: [[Tensor]]
        let chunks: [Range<Int>]
    }

    func prepare(_ layers: [QuantizableLayer], _ candidates: [QuantizerSpec]) throws -> Prepared {
        let exec = try Executor(graph: simulator.graph)
        var steps: [Int] = [], slots: [Int] = [], conv: [Bool] = []
        for l in layers {
            guard let s = exec.step(ofNode: l.node), let w = exec.slot(of: l.weightName) else {
                throw SensitivityError("layer \(l.name): not found in the compiled graph")
            }
            steps.append(s); slots.append(w)
            if case .conv = simulator.graph.nodes[l.node].op { conv.append(true) } else { conv.append(false) }
        }
        let weights = try layers.map { l in try candidates.map { try simulator.quantizedWeight(l, $0) } }
        let n = simulator.calibration.shape[0]
        let chunks = stride(from: 0, to: n, by: chunk).map { $0..<min(n, $0 + chunk) }
        return Prepared(exec: exec, steps: steps, weightSlots: slots, isConv: conv, weights: weights, chunks: chunks)
    }

    /// Images `r` of the calibration batch.
    public func images(_ r: Range<Int>) -> Tensor {
        let x = simulator.calibration
        if r.count == x.shape[0] { return x }
        let per = x.count / max(1, x.shape[0])
        var s = x.shape; s[0] = r.count
        return Tensor(shape: s, data: Array(x.data[(r.lowerBound * per)..<(r.upperBound * per)]))
    }

    /// Statistics-correction factors per (layer, candidate); nil where none applies.
    func correctionFactors(_ layers: [QuantizableLayer], _ p: Prepared) throws -> [[(a: [Float], b: [Float])?]] {
        let k = p.weights.first?.count ?? 0
        var out = [[(a: [Float], b: [Float])?]](repeating: [(a: [Float], b: [Float])?](repeating: nil, count: k), count: layers.count)
        guard correction else { return out }
        let wanted = layers.indices.filter { p.isConv[$0] && simulator.floatStatistics(node: layers[$0].node) != nil }
        if wanted.isEmpty { return out }
        var moments: [Int: [ChannelMoments]] = [:]
        for i in wanted {
            moments[i] = Array(repeating: ChannelMoments(channels: simulator.floatStatistics(node: layers[i].node)!.mean.count), count: k)
        }
        let capture = Set(wanted.map { p.steps[$0] })
        for r in p.chunks {
            let (_, states) = try p.exec.run(images(r), capturingBefore: capture)
            for i in wanted {
                var state = states[p.steps[i]]!
                for j in 0..<k {
                    state[p.weightSlots[i]] = p.weights[i][j]
                    let y = try p.exec.resume(from: p.steps[i], state: state, through: p.steps[i])
                    moments[i]![j].add(y)
                }
            }
        }
        for i in wanted {
            let f = simulator.floatStatistics(node: layers[i].node)!
            for j in 0..<k { out[i][j] = Simulator.correctionFactors(float: f, quantized: moments[i]![j].statistics) }
        }
        return out
    }

    /// The layer × candidate matrix, as `SensitivityAnalyzer.analyze`.
    public func analyze(layers: [QuantizableLayer], candidates: [QuantizerSpec],
                        progress: ((Int, Int) -> Void)? = nil) throws -> [[Double]] {
        let p = try prepare(layers, candidates)
        let factors = try correctionFactors(layers, p)
        let k = candidates.count
        var totals = [[Double]](repeating: [Double](repeating: 0, count: k), count: layers.count)
        let capture = Set(p.steps)
        let work = p.chunks.count * layers.count * k
        var done = 0
        for r in p.chunks {
            let (reference, states) = try p.exec.run(images(r), capturingBefore: capture)
            let classes = reference.count / max(1, reference.shape[0])
            for (i, layer) in layers.enumerated() {
                var state = states[p.steps[i]]!
                for j in 0..<k {
                    state[p.weightSlots[i]] = p.weights[i][j]
                    var hooks: ExecutionHooks?
                    if let f = factors[i][j] {
                        let node = layer.node
                        hooks = ExecutionHooks(transformOutput: { n, y in n == node ? Simulator.applyCorrection(y, a: f.a, b: f.b) : y },
                                               nodes: [node])
                    }
                    let logits = try p.exec.resume(from: p.steps[i], state: state, hooks: hooks)
                    SensitivityMetric.accumulate(metric, logits: logits.data, reference: reference.data, classes: classes,
                                                 labels: labels, firstLabel: r.lowerBound, into: &totals[i][j])
                    done += 1
                    progress?(done, work)
                }
            }
        }
        let n = Double(max(1, simulator.calibration.shape[0]))
        return totals.map { $0.map { max(0, $0 / n) } }
    }
}

/// A sensitivity-analysis failure, one line.
public struct SensitivityError: Error, CustomStringConvertible {
    public let description: String
    public init(_ d: String) { description = d }
}
