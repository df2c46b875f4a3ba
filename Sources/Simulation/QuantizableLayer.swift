import ModelIR
import Inference

/// A weight layer BitBudget can quantize, in a BN-folded graph.
public struct QuantizableLayer: Sendable, Equatable {
    public var node: Int
    public var name: String
    public var weightName: String
    public var summary: LayerSummary
    /// First or last weight layer in execution order (their own policy in plans and search).
    public var isFirst: Bool
    public var isLast: Bool
    /// Output channels (axis 0 of the weight as BitBudget stores it).
    public var channels: Int { summary.weightShape.first ?? 1 }
    public var weightCount: Int { summary.weightShape.reduce(1, *) }

    /// The Conv / Gemm / MatMul layers of `graph` (which should be BN-folded), in order.
    /// Gemm weights are taken as stored ([out, in] with transB=1, the common export).
    public static func layers(of graph: Graph, inputShape: [Int]) throws -> [QuantizableLayer] {
        let table = try LayerSummary.table(for: graph, inputShape: inputShape)
        return table.enumerated().map { i, row in
            QuantizableLayer(node: row.index, name: row.name, weightName: graph.nodes[row.index].inputs[1],
                             summary: row, isFirst: i == 0, isLast: i == table.count - 1)
        }
    }
}
