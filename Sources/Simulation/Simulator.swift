import Datasets
import Foundation
import Inference
import ModelIR
import Quantizers
import TensorMath

/// Fake-quantization simulation of a `QuantizationPlan` on a BN-folded model.
///
/// Built once per model and calibration batch: a float pass records (a) a histogram
/// observer at the input of every weight layer, for activation clip ranges, and (b) every
/// conv's per-channel output statistics, for statistics correction. `prepare(plan)` then
/// reuses them for any number of plans, so a search pays the float pass once.
///
/// Statistics correction (on by default) re-centers each quantized conv relative to the
/// float model on the same images: one pass of the quantized model in which every quantized
/// conv's output channel c is mapped y ↦ a_c·y + b_c with a_c = σ_float/σ_quant and
/// b_c = μ_float − a_c·μ_quant, downstream layers already seeing corrected inputs. The
/// a_c, b_c are folded into that layer's per-channel weight scale and bias, so the
/// corrected layer is still an exactly quantized layer. A float plan gets a_c = 1, b_c = 0.
public final class Simulator {
    public let graph: Graph
    public let layers: [QuantizableLayer]
    public let calibration: Tensor
    /// Images kept for the per-layer output metrics (a prefix of the calibration batch).
    public let metricImages: Int
    private var observers: [Int: ActivationObserver] = [:]
    private(set) var floatStats: [Int: ChannelStatistics] = [:]
    private var floatOutputs: [Int: Tensor] = [:]

    /// `graph` must be BN-folded; `calibration` is a normalized NCHW batch of calibration images.
    public init(graph: Graph, inputShape: [Int], calibration: Tensor, metricImages: Int = 64) throws {
        self.graph = graph
        self.layers = try QuantizableLayer.layers(of: graph, inputShape: inputShape)
        // Folding a BatchNorm whose variance + epsilon is 0 leaves infinite weights, and no
        // quantizer grid holds those: refuse here, naming the layer, not in the rounding.
        for layer in layers where !(graph.initializers[layer.weightName]?.data.allSatisfy(\.isFinite) ?? true) {
            throw ExecutionError(node: graph.nodes[layer.node].name, "weights hold NaN or infinite values (after BatchNorm folding)")
        }
        self.calibration = calibration
        self.metricImages = min(metricImages, calibration.shape[0])
        let nodes = Set(layers.map(\.node))
        let exec = try Executor(graph: graph, fuseActivations: false)
        var obs: [Int: ActivationObserver] = [:], stats: [Int: ChannelStatistics] = [:], outs: [Int: Tensor] = [:]
        let m = self.metricImages
        _ = try exec.run(calibration, hooks: ExecutionHooks(
            observeInput: { node, slot, x in if slot == 0 { obs[node, default: ActivationObserver()].observe(x) } },
            observeOutput: { node, y in
                stats[node] = ChannelStatistics(y)
                outs[node] = Simulator.prefix(y, m)
            }, nodes: nodes))
        observers = obs; floatStats = stats; floatOutputs = outs
    }

    /// The layer names a plan may use.
    public var layerNames: [String] { layers.map(\.name) }

    static func prefix(_ y: Tensor, _ n: Int) -> Tensor {
        let per = y.count / max(1, y.shape[0])
        var s = y.shape; s[0] = n
        return Tensor(shape: s, data: Array(y.data[0..<(n * per)]))
    }

    /// Applies `plan`: quantized (and, with `correction`, re-centered) weights, activation
    /// quantizers from the float calibration, and per-layer metrics.
    public func prepare(_ plan: QuantizationPlan, correction: Bool = true, planFile: String = "plan") throws -> QuantizedModel {
        try plan.validate(against: layerNames, file: planFile)
        let method = try CalibrationMethod(parsing: plan.activationCalibration)
        var g = graph
        var actQuant: [Int: ActivationQuantizer] = [:]
        var rows: [LayerMetrics] = []
        var quantized: [Int: QuantizedTensor] = [:]
        for layer in layers {
            guard let entry = plan.layer(layer.name) else { continue }
            let w = graph.initializers[layer.weightName]!
            let transposed = Self.weightIsInputMajor(graph.nodes[layer.node])
            let oriented = transposed ? w.transposed([1, 0]) : w
            let q = try entry.weight.makeQuantizer().quantize(oriented)
            quantized[layer.node] = q
            let deq = q.dequantized()
            g.initializers[layer.weightName] = transposed ? deq.transposed([1, 0]) : deq
            if let bits = entry.activationBits, let o = observers[layer.node] {
                // A float model that overflows float32 on the calibration images leaves no
                // grid to quantize to: say where, as a run-time failure of the model.
                guard !o.sawNonFinite else {
                    throw ExecutionError(node: graph.nodes[layer.node].name,
                                         "its input holds NaN or infinite values on the calibration images (float32 overflow in the model)")
                }
                actQuant[layer.node] = try o.quantizer(method, bits: bits, signed: o.isTwoSided)
            }
        }
        let planned = Set(quantized.keys)
        // One quantized pass over the calibration batch: correction and output metrics.
        var factors: [Int: (a: [Float], b: [Float])] = [:]
        var outputMetrics: [Int: (mse: Double, sqnr: Double, cosine: Double)] = [:]
        let m = metricImages
        let exec = try Executor(graph: g, fuseActivations: false)
        let calibrationLogits = try exec.run(calibration, hooks: ExecutionHooks(
            transformInput: { node, slot, x in
                guard slot == 0, let aq = actQuant[node] else { return x }
                return aq.fakeQuantize(x)
            },
            transformOutput: { [self] node, y in
                var y = y
                if correction, planned.contains(node), case .conv = graph.nodes[node].op, let f = floatStats[node] {
                    let (a, b) = Simulator.correctionFactors(float: f, quantized: ChannelStatistics(y))
                    factors[node] = (a, b)
                    y = Simulator.affine(y, a, b)
                }
                if let ref = floatOutputs[node] {
                    let got = Simulator.prefix(y, m)
                    outputMetrics[node] = (QuantizationMetrics.mse(ref, got), QuantizationMetrics.sqnr(signal: ref, quantized: got),
                                           QuantizationMetrics.cosineSimilarity(ref, got))
                }
                return y
            }, nodes: Set(layers.map(\.node))))
        // Fold the correction into weights and bias.
        for (node, f) in factors {
            let n = g.nodes[node]
            var w = g.initializers[n.inputs[1]]!
            let per = w.count / f.a.count
            for ch in 0..<f.a.count { for j in 0..<per { w.data[ch * per + j] *= f.a[ch] } }
            g.initializers[n.inputs[1]] = w
            let biasName = n.inputs.count > 2 && !n.inputs[2].isEmpty ? n.inputs[2] : n.name + ".bias_corrected"
            let old = g.initializers[biasName]?.data ?? [Float](repeating: 0, count: f.a.count)
            g.initializers[biasName] = Tensor(shape: [f.a.count], data: (0..<f.a.count).map { old[$0] * f.a[$0] + f.b[$0] })
            if n.inputs.count < 3 || n.inputs[2].isEmpty { g.nodes[node].inputs = [n.inputs[0], n.inputs[1], biasName] }
        }
        var weightBytes = 0
        for layer in layers {
            let w = graph.initializers[layer.weightName]!
            guard let entry = plan.layer(layer.name), let q = quantized[layer.node] else {
                weightBytes += w.count * 4
                rows.append(LayerMetrics(layer: layer, spec: nil, activationBits: nil, bytes: w.count * 4, correction: nil))
                continue
            }
            let bytes = packedWeightBytes(parameterCount: w.count, channels: layer.channels, spec: entry.weight)
            weightBytes += bytes
            var row = LayerMetrics(layer: layer, spec: entry.weight, activationBits: actQuant[layer.node] == nil ? nil : entry.activationBits,
                                   bytes: bytes, correction: factors[layer.node] != nil)
            let eff = g.initializers[g.nodes[layer.node].inputs[1]]!
            row.weightMSE = QuantizationMetrics.mse(w, eff)
            row.weightSQNR = QuantizationMetrics.sqnr(signal: w, quantized: eff)
            row.weightCosine = QuantizationMetrics.cosineSimilarity(w, eff)
            row.distinctLevels = q.distinctLevelCount(group: 0)
            if let o = outputMetrics[layer.node] { (row.outputMSE, row.outputSQNR, row.outputCosine) = o }
            rows.append(row)
        }
        return QuantizedModel(graph: g, activationQuantizers: actQuant, metrics: rows, weightBytes: weightBytes,
                              quantizedTensors: quantized, calibrationLogits: calibrationLogits,
                              correctionScales: factors.mapValues(\.a))
    }

    /// Gemm with transB = 0 and MatMul store weights [in, out]; BitBudget quantizes per output channel.
    static func weightIsInputMajor(_ n: Node) -> Bool {
        switch n.op {
        case let .gemm(_, _, _, transB): return !transB
        case .matMul: return true
        default: return false
        }
    }

    static func affine(_ y: Tensor, _ a: [Float], _ b: [Float]) -> Tensor {
        var y = y
        let n = y.shape[0], c = a.count, plane = y.count / max(1, n * c)
        y.data.withUnsafeMutableBufferPointer { p in
            for img in 0..<n { for ch in 0..<c {
                let base = (img * c + ch) * plane, s = a[ch], t = b[ch]
                for j in 0..<plane { p[base + j] = p[base + j] * s + t }
            } }
        }
        return y
    }
}

/// A model under a plan: the effective float weights (quantized, corrected), the activation
/// quantizers to apply at weight-layer inputs, per-layer metrics and the packed size.
public struct QuantizedModel {
    public var graph: Graph
    public var activationQuantizers: [Int: ActivationQuantizer]
    public var metrics: [LayerMetrics]
    /// Σ packed bytes of quantized weights + 4 bytes per float weight (biases excluded).
    public var weightBytes: Int
    /// The integer codes and scales of each quantized layer (node → tensor), before correction.
    public var quantizedTensors: [Int: QuantizedTensor]
    /// The model's logits on the simulator's calibration batch (corrections applied), from the
    /// same pass that computed them — what sensitivity analysis scores, at no extra cost.
    public var calibrationLogits: Tensor
    /// Statistics correction's per-output-channel factor a_c of each corrected layer (node →
    /// factors): the layer's effective weight scale is `quantizedTensors[node]`'s scale · a_c.
    public var correctionScales: [Int: [Float]] = [:]

    /// An executor plus the hooks that fake-quantize activations.
    public func executor() throws -> (Executor, ExecutionHooks?) {
        let exec = try Executor(graph: graph)
        if activationQuantizers.isEmpty { return (exec, nil) }
        let aq = activationQuantizers
        return (exec, ExecutionHooks(transformInput: { node, slot, x in
            guard slot == 0, let q = aq[node] else { return x }
            return q.fakeQuantize(x)
        }, nodes: Set(aq.keys)))
    }

    /// Top-1 / top-5 / loss on `data`.
    public func evaluate(on data: ImageDataset, normalization: Normalization, batchSize: Int = 256,
                         progress: ((Int, Int) -> Void)? = nil) throws -> EvaluationResult {
        let (exec, hooks) = try executor()
        return try Evaluator(batchSize: batchSize, normalization: normalization, progress: progress).evaluate(exec, on: data, hooks: hooks)
    }
}
