import TensorMath

/// Static checks run after import and after every graph rewrite, so later stages can trust
/// the graph: every value read is defined earlier, outputs are produced, weight layers have
/// constant, well-shaped weights.
public enum GraphValidator {
    public static func validate(_ g: Graph, file: String) throws {
        var defined = Set(g.initializers.keys)
        for i in g.inputs { defined.insert(i.name) }
        for n in g.nodes {
            for v in n.inputs where !v.isEmpty && !defined.contains(v) {
                throw ModelError(file: file, "node '\(n.name)' (\(n.op.onnxType)) reads '\(v)', which no earlier node, initializer or graph input defines")
            }
            if case let .conv(_, groups) = n.op {
                guard let w = g.initializers[n.inputs[1]], w.rank == 4 else {
                    throw ModelError(file: file, "node '\(n.name)' (Conv): weight '\(n.inputs[1])' must be a constant 4-D tensor")
                }
                guard groups > 0, w.shape[0] % groups == 0 else {
                    throw ModelError(file: file, "node '\(n.name)' (Conv): \(w.shape[0]) output channels not divisible by group=\(groups)")
                }
                if n.inputs.count > 2, !n.inputs[2].isEmpty, let b = g.initializers[n.inputs[2]], b.count != w.shape[0] {
                    throw ModelError(file: file, "node '\(n.name)' (Conv): bias has \(b.count) values for \(w.shape[0]) output channels")
                }
            }
            if case .batchNorm = n.op, n.inputs.count >= 5 {
                let params = n.inputs[1...4].map { g.initializers[$0] }
                if params.allSatisfy({ $0 != nil }) {
                    let counts = params.map { $0!.count }
                    guard Set(counts).count == 1 else {
                        throw ModelError(file: file, "node '\(n.name)' (BatchNormalization): scale, bias, mean and variance have \(counts) values")
                    }
                    guard params[3]!.data.allSatisfy({ $0 >= 0 }) else {
                        throw ModelError(file: file, "node '\(n.name)' (BatchNormalization): the running variance holds negative values")
                    }
                }
            }
            for o in n.outputs { defined.insert(o) }
        }
        for o in g.outputs where !defined.contains(o) {
            throw ModelError(file: file, "graph output '\(o)' is never produced")
        }
        if g.outputs.isEmpty { throw ModelError(file: file, "graph declares no outputs") }
    }
}
