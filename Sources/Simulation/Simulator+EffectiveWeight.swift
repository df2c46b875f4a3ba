import Quantizers
import TensorMath

/// Pieces of `prepare` exposed for analyses that apply one layer's quantization themselves
/// (sensitivity on a cached float prefix, Hessian-weighted scores): the same quantized
/// weight, the same correction formula, so their results match a full `prepare` pass.
extension Simulator {
    /// The float model's per-channel output statistics of `node` on the calibration batch.
    public func floatStatistics(node: Int) -> ChannelStatistics? { floatStats[node] }

    /// `layer`'s fake-quantized weight under `spec`, in the graph's stored layout, before
    /// statistics correction — exactly what `prepare` puts into the graph.
    public func quantizedWeight(_ layer: QuantizableLayer, _ spec: QuantizerSpec) throws -> Tensor {
        let w = graph.initializers[layer.weightName]!
        let transposed = Self.weightIsInputMajor(graph.nodes[layer.node])
        let oriented = transposed ? w.transposed([1, 0]) : w
        let deq = try spec.makeQuantizer().quantize(oriented).dequantized()
        return transposed ? deq.transposed([1, 0]) : deq
    }

    /// Statistics correction of one conv: a_c = σ_float/σ_quant, b_c = μ_float − a_c·μ_quant
    /// (a_c = 1, b_c = 0 for a channel whose quantized output is constant).
    public static func correctionFactors(float f: ChannelStatistics, quantized q: ChannelStatistics) -> (a: [Float], b: [Float]) {
        let c = f.mean.count
        var a = [Float](repeating: 1, count: c), b = [Float](repeating: 0, count: c)
        for ch in 0..<c where q.std[ch] > 1e-12 {
            a[ch] = Float(f.std[ch] / q.std[ch])
            b[ch] = Float(f.mean[ch] - Double(a[ch]) * q.mean[ch])
        }
        return (a, b)
    }

    /// y ↦ a_c·y + b_c per channel of an NCHW (or [N, C]) tensor — the correction as applied
    /// during the calibration pass.
    public static func applyCorrection(_ y: Tensor, a: [Float], b: [Float]) -> Tensor { affine(y, a, b) }

    /// The corrected weight a_c·W_q (per output channel, stored layout of a conv) and bias
    /// a_c·bias + b_c: the effective layer after folding the correction.
    public func effectiveWeight(_ layer: QuantizableLayer, quantized wq: Tensor, a: [Float], b: [Float]) -> (weight: Tensor, bias: [Float]) {
        var w = wq
        let per = w.count / a.count
        for ch in 0..<a.count { for j in 0..<per { w.data[ch * per + j] *= a[ch] } }
        let n = graph.nodes[layer.node]
        let old = n.inputs.count > 2 && !n.inputs[2].isEmpty ? graph.initializers[n.inputs[2]]?.data : nil
        let bias = (0..<a.count).map { (old?[$0] ?? 0) * a[$0] + b[$0] }
        return (w, bias)
    }
}
