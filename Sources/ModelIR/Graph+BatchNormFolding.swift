import TensorMath

extension Graph {
    /// Folds every BatchNormalization that directly follows a Conv (and is that Conv's only
    /// reader) into the Conv's weights and bias:
    /// W'[o] = W[o]·γ[o]/√(σ²[o]+ε),  b'[o] = (b[o] − μ[o])·γ[o]/√(σ²[o]+ε) + β[o].
    ///
    /// Quantization needs this: the integer engine has no BN, and weights must be quantized
    /// in the scale they are used at. The folded conv keeps its own name; the BN's output name
    /// becomes the conv's output so downstream nodes are untouched.
    public func foldingBatchNorm() -> Graph {
        var g = self
        let consumers = self.consumers
        let producers = self.producers
        var removed = Set<Int>()
        for (i, n) in nodes.enumerated() {
            guard case let .batchNorm(eps) = n.op, let p = producers[n.inputs[0]],
                  case .conv = nodes[p].op, consumers[n.inputs[0]]?.count == 1,
                  !outputs.contains(n.inputs[0]),
                  let gamma = initializers[n.inputs[1]], let beta = initializers[n.inputs[2]],
                  let mean = initializers[n.inputs[3]], let variance = initializers[n.inputs[4]],
                  let w = g.initializers[nodes[p].inputs[1]] else { continue }
            let cout = w.shape[0], per = w.count / max(cout, 1)
            // Parameters that do not match the conv's channels: leave the pair unfolded, so
            // running the graph reports the mismatch with the node named.
            guard [gamma, beta, mean, variance].allSatisfy({ $0.count == cout }) else { continue }
            var conv = g.nodes[p]
            var nw = w
            let oldBias = conv.inputs.count > 2 && !conv.inputs[2].isEmpty ? g.initializers[conv.inputs[2]] : nil
            var nb = [Float](repeating: 0, count: cout)
            for o in 0..<cout {
                let s = gamma.data[o] / (variance.data[o] + eps).squareRoot()
                for j in 0..<per { nw.data[o * per + j] *= s }
                nb[o] = ((oldBias?.data[o] ?? 0) - mean.data[o]) * s + beta.data[o]
            }
            let wName = conv.name + ".weight_folded", bName = conv.name + ".bias_folded"
            g.initializers[wName] = nw
            g.initializers[bName] = Tensor(shape: [cout], data: nb)
            conv.inputs = [conv.inputs[0], wName, bName]
            conv.outputs = n.outputs
            g.nodes[p] = conv
            removed.insert(i)
        }
        g.nodes = g.nodes.enumerated().filter { !removed.contains($0.offset) }.map(\.element)
        var used = Set<String>()
        for n in g.nodes { for v in n.inputs { used.insert(v) } }
        g.initializers = g.initializers.filter { used.contains($0.key) }
        return g
    }
}
