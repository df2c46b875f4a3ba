import ModelIR
import TensorMath

/// One row of the per-layer table a quantization user reads: what each weight layer holds
/// and costs per image.
public struct LayerSummary: Sendable, Equatable {
    public var index: Int          // node index in the graph
    public var name: String
    public var op: String
    public var weightShape: [Int]
    public var outputShape: [Int]  // per image (batch dimension dropped)
    public var parameters: Int     // weights + bias
    public var macs: Int           // multiply-accumulates per image
    public var float32Bytes: Int   // parameters × 4

    /// Weight-layer rows for `graph`, found by running one zero image of `inputShape`
    /// (C, H, W…) through the float executor to learn every output shape.
    public static func table(for graph: Graph, inputShape: [Int]) throws -> [LayerSummary] {
        var shapes: [Int: [Int]] = [:]
        let exec = try Executor(graph: graph, fuseActivations: false)
        let weightNodes = Set(graph.nodes.indices.filter { graph.nodes[$0].op.isWeightLayer })
        _ = try exec.run(Tensor(zeros: [1] + inputShape), hooks: ExecutionHooks(
            observeOutput: { i, y in shapes[i] = Array(y.shape.dropFirst()) }, nodes: weightNodes))
        return weightNodes.sorted().compactMap { i in
            let n = graph.nodes[i]
            guard n.inputs.count > 1, let w = graph.initializers[n.inputs[1]] else { return nil }
            let bias = n.inputs.count > 2 && !n.inputs[2].isEmpty ? (graph.initializers[n.inputs[2]]?.count ?? 0) : 0
            let out = shapes[i] ?? []
            let macs: Int
            switch n.op {
            case .conv:
                macs = out.reduce(1, *) * w.shape[1] * w.shape[2] * w.shape[3]
            default:
                // Gemm/MatMul: every output element is one dot product over the weight's K.
                let k = w.count / max(1, out.last ?? 1)
                macs = out.reduce(1, *) * k
            }
            let params = w.count + bias
            return LayerSummary(index: i, name: n.name, op: n.op.onnxType, weightShape: w.shape, outputShape: out,
                                parameters: params, macs: macs, float32Bytes: params * 4)
        }
    }
}
