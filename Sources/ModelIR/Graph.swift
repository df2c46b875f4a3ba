import TensorMath

/// One operation: an operator applied to named inputs, producing named outputs.
public struct Node: Sendable, Equatable {
    /// Stable name (the ONNX node name, or a generated one when the file has none).
    public var name: String
    public var op: Operator
    /// Input value names; "" marks an omitted optional input.
    public var inputs: [String]
    public var outputs: [String]

    public init(name: String, op: Operator, inputs: [String], outputs: [String]) {
        self.name = name; self.op = op; self.inputs = inputs; self.outputs = outputs
    }
}

/// A declared graph input: name and shape (nil = symbolic dimension such as the batch).
public struct ValueInfo: Sendable, Equatable {
    public var name: String
    public var shape: [Int?]
    public init(name: String, shape: [Int?]) { self.name = name; self.shape = shape }
}

/// A classification CNN as a typed dataflow graph.
///
/// Nodes are kept in topological order; constants (initializers and folded `Constant`
/// nodes) live in `initializers`. This is the one model representation the float
/// executor, the quantization simulator, training and the integer engine all read.
public struct Graph: Sendable {
    public var name: String
    public var inputs: [ValueInfo]
    public var outputs: [String]
    public var nodes: [Node]
    public var initializers: [String: Tensor]
    /// ONNX `metadata_props` (BitBudget reads `mean`, `std`, `classes`).
    public var metadata: [String: String]
    /// Default-domain opset the model was imported from.
    public var opset: Int

    public init(name: String, inputs: [ValueInfo], outputs: [String], nodes: [Node],
                initializers: [String: Tensor], metadata: [String: String] = [:], opset: Int = 13) {
        self.name = name; self.inputs = inputs; self.outputs = outputs; self.nodes = nodes
        self.initializers = initializers; self.metadata = metadata; self.opset = opset
    }

    /// Index of the node producing each value.
    public var producers: [String: Int] {
        var p: [String: Int] = [:]
        for (i, n) in nodes.enumerated() { for o in n.outputs { p[o] = i } }
        return p
    }

    /// Indices of the nodes consuming each value.
    public var consumers: [String: [Int]] {
        var c: [String: [Int]] = [:]
        for (i, n) in nodes.enumerated() { for v in n.inputs where !v.isEmpty { c[v, default: []].append(i) } }
        return c
    }

    /// Comma-separated float list from metadata (e.g. `mean`), nil when absent or malformed.
    public func metadataFloats(_ key: String) -> [Float]? {
        guard let s = metadata[key] else { return nil }
        let parts = s.split(separator: ",").map { Float($0.trimmingCharacters(in: .whitespaces)) }
        if parts.isEmpty || parts.contains(where: { $0 == nil }) { return nil }
        return parts.map { $0! }
    }

    /// Class names from metadata `classes`, when present.
    public var classNames: [String]? {
        metadata["classes"].map { $0.split(separator: ",").map { $0.trimmingCharacters(in: .whitespaces) } }
    }
}

import Foundation
