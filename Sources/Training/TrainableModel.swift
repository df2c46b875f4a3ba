import Foundation
import Inference
import ModelIR
import TensorMath

/// A problem building or running a trainable model: one line naming the node or file.
public struct TrainingError: Error, CustomStringConvertible, Sendable {
    public let message: String
    public init(_ message: String) { self.message = message }
    public var description: String { message }
}

/// A `Graph` whose float initializers can be trained.
///
/// Parameters are the float initializers read as Conv weight/bias, BatchNormalization
/// scale/bias and Gemm B/C. BatchNormalization running mean/variance are *buffers*: updated
/// by the forward pass in training mode, never by gradients. All of them live in
/// `graph.initializers`, so `graph` is always the current model (ready to export or run).
///
/// `forward(_:training:)` keeps every intermediate value and what each node's backward
/// needs (max-pool arg-maxes, BN normalized inputs); `backward(_:)` walks the nodes in
/// reverse and returns one gradient per parameter name.
///
/// BatchNormalization in training mode normalizes with the batch statistics (biased variance)
/// and updates `running = (1 − momentum)·running + momentum·batch` with the *unbiased* batch
/// variance for `running_var`; `momentum` = 0.1 is PyTorch's convention, i.e. ONNX's
/// `momentum` attribute 0.9 (ONNX weights the running value). In eval mode it uses the running
/// statistics.
///
/// A Softmax whose probabilities no other node reads (a model that outputs probabilities,
/// alone or beside its logits) is not run in training, so the loss sees logits; `graph` still
/// contains it.
public final class TrainableModel {
    public private(set) var graph: Graph
    /// Parameter names in a fixed order (node order, then input position).
    public let parameterNames: [String]
    /// Parameters that get weight decay: Conv and Gemm weights (rank ≥ 2).
    public let decayedParameters: Set<String>
    /// BN running mean/var names (updated in training mode).
    public let bufferNames: [String]
    /// PyTorch-style BN momentum (weight of the new batch statistic).
    public var bnMomentum: Float = 0.1
    /// True: BN uses batch statistics and updates running ones.
    public var training = true
    /// When set, `backward` also computes the gradient of the graph input (`inputGradient`);
    /// off by default (the first layer's input gradient is wasted work in training).
    public var computeInputGradient = false
    /// dLoss/dInput of the last `backward` (only with `computeInputGradient`).
    public private(set) var inputGradient: Tensor?

    /// Nodes actually run (a trailing Softmax removed).
    let nodes: [Node]
    let outputName: String
    let inputName: String

    // Forward cache.
    var values: [String: Tensor] = [:]
    var maxIndices: [Int: [Int32]] = [:]
    var bnCache: [Int: (xhat: Tensor, invStd: [Float])] = [:]

    public init(graph: Graph) throws {
        self.graph = graph
        var nodes = graph.nodes
        var output = graph.outputs[0]
        let consumed = Set(nodes.flatMap(\.inputs))
        nodes.removeAll { n in
            guard case .softmax = n.op, let probabilities = n.outputs.first, !consumed.contains(probabilities) else { return false }
            if probabilities == output { output = n.inputs[0] }
            return true
        }
        self.nodes = nodes
        self.outputName = output
        self.inputName = graph.inputs[0].name
        var params: [String] = [], decayed = Set<String>(), buffers: [String] = []
        func add(_ name: String, decay: Bool) {
            guard !name.isEmpty, graph.initializers[name] != nil, !params.contains(name) else { return }
            params.append(name)
            if decay { decayed.insert(name) }
        }
        for n in nodes {
            switch n.op {
            case .conv, .gemm:
                if n.inputs.count > 1 { add(n.inputs[1], decay: (graph.initializers[n.inputs[1]]?.rank ?? 0) >= 2) }
                if n.inputs.count > 2 { add(n.inputs[2], decay: false) }
            case .batchNorm:
                add(n.inputs[1], decay: false); add(n.inputs[2], decay: false)
                for b in n.inputs[3...4] where !buffers.contains(b) { buffers.append(b) }
            case .relu, .clip, .leakyRelu, .sigmoid, .maxPool, .averagePool, .globalAveragePool, .binary,
                 .concat, .flatten, .reshape, .squeeze, .unsqueeze, .identity, .slice, .pad:
                break
            default:
                throw TrainingError("node '\(n.name)' (\(n.op.onnxType)): training does not support this operator")
            }
            if case let .pad(_, mode, _) = n.op, mode != .constant {
                throw TrainingError("node '\(n.name)' (Pad): training supports constant padding only")
            }
            if case let .pad(pads, _, _) = n.op, pads.contains(where: { $0 < 0 }) {
                throw TrainingError("node '\(n.name)' (Pad): negative pads are not supported in training")
            }
            if case let .gemm(_, _, transA, _) = n.op, transA {
                throw TrainingError("node '\(n.name)' (Gemm): transA=1 is not supported in training")
            }
        }
        parameterNames = params
        decayedParameters = decayed
        bufferNames = buffers
    }

    /// Runs `sample` through the inference executor, which checks every node's inputs and
    /// shapes as it goes, so that a malformed model (an input missing, shapes that do not fit)
    /// fails here with the node named instead of somewhere inside a training step. Training
    /// runs the same operators on batches of the same shape.
    public func validate(on sample: Tensor) throws {
        _ = try Executor(graph: graph).run(sample)
    }

    /// Current value of a parameter or buffer.
    public func parameter(_ name: String) -> Tensor { graph.initializers[name]! }

    /// Replaces a parameter or buffer (same shape).
    public func setParameter(_ name: String, _ t: Tensor) {
        precondition(graph.initializers[name]?.shape == t.shape, "setParameter: shape mismatch for \(name)")
        graph.initializers[name] = t
    }

    /// Applies `body` to each parameter's storage in `parameterNames` order.
    public func updateParameters(_ body: (String, inout [Float]) -> Void) {
        for name in parameterNames {
            var t = graph.initializers.removeValue(forKey: name)!
            body(name, &t.data)
            graph.initializers[name] = t
        }
    }

    /// Runs the graph on a batch; in training mode keeps what `backward` needs.
    public func forward(_ x: Tensor) throws -> Tensor {
        values = [inputName: x]
        maxIndices = [:]
        bnCache = [:]
        let inits = graph.initializers
        func value(_ name: String, _ node: Node) throws -> Tensor {
            if let v = values[name] ?? inits[name] { return v }
            throw TrainingError("node '\(node.name)': input '\(name)' is not available")
        }
        for (i, n) in nodes.enumerated() {
            let x = try value(n.inputs[0], n)
            let y: Tensor
            switch n.op {
            case let .conv(g, groups):
                let w = try value(n.inputs[1], n)
                let b = n.inputs.count > 2 && !n.inputs[2].isEmpty ? try value(n.inputs[2], n) : nil
                guard x.rank == 4, x.shape[1] == w.shape[1] * groups else {
                    throw TrainingError("node '\(n.name)' (Conv): input \(x.shape) does not fit weight \(w.shape) group=\(groups)")
                }
                // im2col + sgemm, as when the committed models were trained (bit-for-bit reruns).
                y = Convolution.forward(x, weight: w, bias: b, geometry: g, groups: groups, algorithm: .im2colGEMM)
            case let .batchNorm(eps):
                let (scale, bias) = (try value(n.inputs[1], n), try value(n.inputs[2], n))
                if training {
                    let r = Layers.batchNormTrain(x, scale: scale.data, bias: bias.data, eps: eps)
                    y = r.y
                    bnCache[i] = (r.xhat, r.invStd)
                    // Running statistics (PyTorch convention, unbiased variance).
                    let m = bnMomentum
                    let count = Float(x.count / x.shape[1])
                    let unbias = count > 1 ? count / (count - 1) : 1
                    var rm = try value(n.inputs[3], n), rv = try value(n.inputs[4], n)
                    for c in 0..<rm.count {
                        rm.data[c] = (1 - m) * rm.data[c] + m * r.mean[c]
                        rv.data[c] = (1 - m) * rv.data[c] + m * r.variance[c] * unbias
                    }
                    graph.initializers[n.inputs[3]] = rm
                    graph.initializers[n.inputs[4]] = rv
                } else {
                    let (rm, rv) = (try value(n.inputs[3], n), try value(n.inputs[4], n))
                    let invStd = (0..<rm.count).map { 1 / (rv.data[$0] + eps).squareRoot() }
                    let xhat = Layers.channelAffine(x, invStd, (0..<rm.count).map { -rm.data[$0] * invStd[$0] })
                    bnCache[i] = (xhat, invStd)
                    y = Layers.channelAffine(xhat, scale.data, bias.data)
                }
            case .relu: y = x.map { max($0, 0) }
            case let .clip(lo, hi): y = x.map { min(max($0, lo), hi) }
            case let .leakyRelu(alpha): y = x.map { $0 >= 0 ? $0 : alpha * $0 }
            case .sigmoid: y = x.map { 1 / (1 + expf(-$0)) }
            case let .maxPool(g, ceil):
                let r = Layers.maxPool(x, g, ceilMode: ceil)
                y = r.y; maxIndices[i] = r.indices
            case let .averagePool(g, ceil, includePad):
                y = Pooling.average(x, geometry: g, ceilMode: ceil, countIncludePad: includePad)
            case .globalAveragePool: y = Pooling.globalAverage(x)
            case let .binary(op):
                let b = try value(n.inputs[1], n)
                guard Broadcast.shape(x.shape, b.shape) != nil else {
                    throw TrainingError("node '\(n.name)': shapes \(x.shape) and \(b.shape) do not broadcast")
                }
                y = x.elementwise(op, b)
            case let .concat(axis):
                let parts = try n.inputs.map { try value($0, n) }
                y = Tensor.concatenate(parts, axis: axis < 0 ? axis + x.rank : axis)
            case let .pad(pads, _, v):
                y = x.padded(pads, mode: .constant, value: v)
            case let .slice(starts, ends, axes, steps):
                let s = try Layers.sliceGeometry(x.shape, starts, ends, axes, steps, n)
                y = x.sliced(starts: s.starts, steps: s.steps, outShape: s.outShape)
            case let .flatten(axis):
                let ax = axis < 0 ? axis + x.rank : axis
                y = x.reshaped([x.shape[..<ax].reduce(1, *), x.shape[ax...].reduce(1, *)])
            case let .reshape(shape, allowZero):
                y = x.reshaped(try Layers.reshapeTarget(x, shape, allowZero, n))
            case let .squeeze(axes):
                let ax = (axes ?? x.shape.indices.filter { x.shape[$0] == 1 }).map { $0 < 0 ? $0 + x.rank : $0 }
                y = x.reshaped(x.shape.enumerated().filter { !ax.contains($0.offset) }.map(\.element))
            case let .unsqueeze(axes):
                let r = x.rank + axes.count
                var s = x.shape
                for d in axes.map({ $0 < 0 ? $0 + r : $0 }).sorted() { s.insert(1, at: d) }
                y = x.reshaped(s)
            case .identity: y = x
            case let .gemm(alpha, beta, _, transB):
                let a2 = x.rank == 2 ? x : x.reshaped([x.shape[0], x.shape[1...].reduce(1, *)])
                let b = try value(n.inputs[1], n)
                let c = n.inputs.count > 2 && !n.inputs[2].isEmpty ? try value(n.inputs[2], n) : nil
                let k = transB ? b.shape[1] : b.shape[0]
                guard a2.shape[1] == k else {
                    throw TrainingError("node '\(n.name)' (Gemm): input \(x.shape) does not fit B \(b.shape)")
                }
                y = Tensor.gemm(a2, b, c: c, alpha: alpha, beta: beta, transA: false, transB: transB)
            default:
                throw TrainingError("node '\(n.name)' (\(n.op.onnxType)): not trainable")
            }
            values[n.outputs[0]] = y
        }
        guard let out = values[outputName] else { throw TrainingError("output '\(outputName)' was not computed") }
        return out
    }

    /// Gradients of the loss with respect to every parameter, given dLoss/dOutput of the last
    /// `forward` (which must have run in training mode for BN to use batch statistics).
    public func backward(_ dOut: Tensor) throws -> [String: Tensor] {
        var grads: [String: Tensor] = [outputName: dOut]
        let paramSet = Set(parameterNames)
        let inits = graph.initializers
        /// Accumulates `g` into the gradient of `name` (when something needs it).
        func accumulate(_ name: String, _ g: Tensor) {
            if name == inputName && !computeInputGradient { return }
            if inits[name] != nil && !paramSet.contains(name) { return }
            if var old = grads.removeValue(forKey: name) {
                old.data.withUnsafeMutableBufferPointer { o in g.data.withUnsafeBufferPointer { s in
                    for j in 0..<o.count { o[j] += s[j] } } }
                grads[name] = old
            } else {
                grads[name] = g
            }
        }
        /// Whether the gradient of value `name` is needed at all.
        func wanted(_ name: String) -> Bool {
            name == inputName ? computeInputGradient : (inits[name] == nil || paramSet.contains(name))
        }

        for i in stride(from: nodes.count - 1, through: 0, by: -1) {
            let n = nodes[i]
            guard let dy = grads.removeValue(forKey: n.outputs[0]) else { continue }
            let x = values[n.inputs[0]] ?? inits[n.inputs[0]]!
            switch n.op {
            case let .conv(g, groups):
                let w = inits[n.inputs[1]]!
                let hasBias = n.inputs.count > 2 && !n.inputs[2].isEmpty
                let r = Layers.convBackward(x: x, w: w, dy: dy, geometry: g, groups: groups,
                                            needInput: wanted(n.inputs[0]), needBias: hasBias)
                if let dx = r.dx { accumulate(n.inputs[0], dx) }
                accumulate(n.inputs[1], r.dw)
                if hasBias, let db = r.db { accumulate(n.inputs[2], db) }
            case .batchNorm:
                guard let cache = bnCache[i] else { throw TrainingError("node '\(n.name)': backward without forward") }
                let scale = inits[n.inputs[1]]!
                let r = Layers.batchNormBackward(dy: dy, xhat: cache.xhat, invStd: cache.invStd, scale: scale.data,
                                                 batchStatistics: training)
                accumulate(n.inputs[0], r.dx)
                accumulate(n.inputs[1], r.dscale)
                accumulate(n.inputs[2], r.dbias)
            case .relu:
                let y = values[n.outputs[0]]!
                accumulate(n.inputs[0], Layers.mask(dy, y) { $0 > 0 })
            case let .clip(lo, hi):
                accumulate(n.inputs[0], Layers.mask(dy, x) { $0 > lo && $0 < hi })
            case let .leakyRelu(alpha):
                accumulate(n.inputs[0], Layers.zip(dy, x) { d, v in v >= 0 ? d : alpha * d })
            case .sigmoid:
                let y = values[n.outputs[0]]!
                accumulate(n.inputs[0], Layers.zip(dy, y) { d, s in d * s * (1 - s) })
            case let .maxPool(g, ceil):
                _ = (g, ceil)
                accumulate(n.inputs[0], Layers.maxPoolBackward(dy, indices: maxIndices[i]!, inputShape: x.shape))
            case let .averagePool(g, ceil, includePad):
                accumulate(n.inputs[0], Layers.averagePoolBackward(dy, inputShape: x.shape, g, ceilMode: ceil, countIncludePad: includePad))
            case .globalAveragePool:
                accumulate(n.inputs[0], Layers.globalAverageBackward(dy, inputShape: x.shape))
            case let .binary(op):
                let b = values[n.inputs[1]] ?? inits[n.inputs[1]]!
                let r = Layers.binaryBackward(op, dy, x, b)
                if wanted(n.inputs[0]) { accumulate(n.inputs[0], r.da) }
                if wanted(n.inputs[1]) { accumulate(n.inputs[1], r.db) }
            case let .concat(axis):
                let ax = axis < 0 ? axis + x.rank : axis
                var offset = 0
                for name in n.inputs {
                    let part = values[name] ?? inits[name]!
                    var starts = [Int](repeating: 0, count: dy.rank)
                    starts[ax] = offset
                    offset += part.shape[ax]
                    if wanted(name) {
                        accumulate(name, dy.sliced(starts: starts, steps: [Int](repeating: 1, count: dy.rank), outShape: part.shape))
                    }
                }
            case let .pad(pads, _, _):
                let r = x.rank
                accumulate(n.inputs[0], dy.sliced(starts: Array(pads[0..<r]), steps: [Int](repeating: 1, count: r), outShape: x.shape))
            case let .slice(starts, ends, axes, steps):
                let s = try Layers.sliceGeometry(x.shape, starts, ends, axes, steps, n)
                accumulate(n.inputs[0], Layers.sliceBackward(dy, inputShape: x.shape, starts: s.starts, steps: s.steps))
            case .flatten, .reshape, .squeeze, .unsqueeze, .identity:
                accumulate(n.inputs[0], dy.reshaped(x.shape))
            case let .gemm(alpha, beta, _, transB):
                let a2 = x.rank == 2 ? x : x.reshaped([x.shape[0], x.shape[1...].reduce(1, *)])
                let b = inits[n.inputs[1]] ?? values[n.inputs[1]]!
                // Y = α·A·op(B) + β·C.
                if wanted(n.inputs[0]) {
                    // dA = α·dY·op(B)ᵀ.
                    let da = Tensor.gemm(dy, b, c: nil, alpha: alpha, transA: false, transB: !transB)
                    accumulate(n.inputs[0], da.reshaped(x.shape))
                }
                if wanted(n.inputs[1]) {
                    // dB = α·Aᵀ·dY, or α·dYᵀ·A when B is stored transposed.
                    let db = transB ? Layers.matmulTN(dy, a2, alpha: alpha) : Layers.matmulTN(a2, dy, alpha: alpha)
                    accumulate(n.inputs[1], db)
                }
                if n.inputs.count > 2, !n.inputs[2].isEmpty, wanted(n.inputs[2]) {
                    let c = inits[n.inputs[2]] ?? values[n.inputs[2]]!
                    var dc = Layers.reduce(dy, to: c.shape)
                    if beta != 1 { dc = dc.map { $0 * beta } }
                    accumulate(n.inputs[2], dc)
                }
            default:
                throw TrainingError("node '\(n.name)' (\(n.op.onnxType)): no backward")
            }
        }
        inputGradient = computeInputGradient ? grads[inputName] : nil
        var out: [String: Tensor] = [:]
        for p in parameterNames { out[p] = grads[p] ?? Tensor(zeros: inits[p]!.shape) }
        return out
    }

    /// Drops the cached activations of the last forward pass.
    public func clearCache() { values = [:]; bnCache = [:]; maxIndices = [:] }
}
