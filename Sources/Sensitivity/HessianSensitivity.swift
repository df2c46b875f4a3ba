import Foundation
import Quantizers
import Simulation
import TensorMath
import Training

/// Settings of the Hessian (HAWQ) metric.
public struct HessianOptions: Sendable, Equatable {
    /// Hutchinson samples (Rademacher vectors) per trace estimate.
    public var samples: Int
    /// Calibration images (the first ones of the batch) the loss and its gradients use.
    public var images: Int
    /// Seed of the Rademacher vectors.
    public var seed: UInt64
    /// Finite-difference step, relative to each layer's weight RMS.
    public var relativeStep: Double

    public init(samples: Int = 16, images: Int = 128, seed: UInt64 = 0, relativeStep: Double = 1e-3) {
        self.samples = samples; self.images = images; self.seed = seed; self.relativeStep = relativeStep
    }
}

/// HAWQ-style sensitivity: score(l, b) = Tr(H_l)/n_l · ‖Ŵ_l(b) − W_l‖², H_l the Hessian of the
/// mean cross-entropy loss on the calibration images with respect to layer l's (BN-folded)
/// weights, n_l their count, Ŵ_l(b) the effective quantized weight (with statistics correction
/// on: a_c·Q_b(W_l), the correction's per-channel scale folded in, as the final model has it).
///
/// Tr(H_l) is estimated by Hutchinson's method, E[vᵀHv] = Tr(H) for Rademacher v. All layers
/// share each sample: v covers every analyzed layer at once and, since the blocks of v are
/// independent, E[v_lᵀ (Hv)_l] = Tr(H_ll) (the cross terms H_lk have zero mean).
///
/// Hessian-vector products: Gauss-Newton products G·u = Jᵀ·H_CE·(J·u), exact for the diagonal
/// blocks of a piecewise-linear (ReLU, MaxPool) network, where the logits are linear in any
/// single layer's weights almost everywhere so H_ll = G_ll. J·u is a central difference of the
/// logits, u_l = ε_l·v_l, ε_l = relativeStep·RMS(W_l) (the logits are continuous, so ReLU kinks
/// cost O(ε) — unlike differencing gradients, which jump at kinks: that first version
/// overestimated the trace 2.4× and gave negative traces); Jᵀ(·) is the backward pass.
/// Cost: 3 forward passes and 1 backward pass over `images` images per sample.
public struct HessianSensitivity {
    public let simulator: Simulator
    public let labels: [Int32]
    public var options: HessianOptions
    public var correction: Bool
    /// Chunk size of the statistics pass that yields the correction factors.
    public var chunk: Int

    public init(simulator: Simulator, labels: [Int32], options: HessianOptions = HessianOptions(), correction: Bool = true, chunk: Int = 128) {
        self.simulator = simulator; self.labels = labels; self.options = options; self.correction = correction; self.chunk = chunk
    }

    /// The per-sample Hutchinson estimates vᵀ(Hv)_l: `[layer][sample]`.
    public func traceSamples(layers: [QuantizableLayer]) throws -> [[Double]] {
        let model = try TrainableModel(graph: simulator.graph)
        model.training = false
        let m = min(max(1, options.images), simulator.calibration.shape[0])
        let x = SuffixSensitivity(simulator: simulator, labels: labels).images(0..<m)
        let names = layers.map(\.weightName)
        let base = names.map { model.parameter($0) }
        let steps: [Double] = base.map { w in
            let ss = w.data.reduce(0.0) { $0 + Double($1) * Double($1) }
            return options.relativeStep * max((ss / Double(max(1, w.count))).squareRoot(), 1e-12)
        }
        func setWeights(_ sign: Float, _ v: [[Float]]) {
            for (i, name) in names.enumerated() {
                var w = base[i]
                let e = Float(steps[i]) * sign
                if e != 0 { for j in 0..<w.count { w.data[j] += e * v[i][j] } }
                model.setParameter(name, w)
            }
        }
        // Gauss-Newton product G·u = Jᵀ H_CE J u, u_l = ε_l v_l. For a ReLU/MaxPool network the
        // logits are linear in any one layer's weights (almost everywhere), so the diagonal
        // blocks H_ll equal G_ll and Tr(G_ll) = Tr(H_ll). J u is a central difference of the
        // *logits* (continuous in w, so kinks cost O(ε)); Jᵀ(·) is the backward pass.
        setWeights(0, [])
        let f0 = try model.forward(x)
        let k = f0.count / max(1, m)
        var rng = SplitMix64(seed: options.seed ^ 0x4845_5353_4941_4E21)
        var out = [[Double]](repeating: [], count: layers.count)
        for _ in 0..<max(1, options.samples) {
            let v: [[Float]] = base.map { w in (0..<w.count).map { _ -> Float in (rng.next() & 1) == 0 ? 1 : -1 } }
            setWeights(1, v); let fp = try model.forward(x)
            setWeights(-1, v); let fm = try model.forward(x)
            setWeights(0, v)
            _ = try model.forward(x)
            var r = Tensor(zeros: f0.shape)
            for img in 0..<m {
                let row = img * k
                var mx = -Double.infinity
                for j in 0..<k { mx = max(mx, Double(f0.data[row + j])) }
                var p = (0..<k).map { exp(Double(f0.data[row + $0]) - mx) }
                let z = p.reduce(0, +)
                for j in 0..<k { p[j] /= z }
                let ju = (0..<k).map { (Double(fp.data[row + $0]) - Double(fm.data[row + $0])) / 2 }
                var pju = 0.0
                for j in 0..<k { pju += p[j] * ju[j] }
                for j in 0..<k { r.data[row + j] = Float(p[j] * (ju[j] - pju) / Double(m)) }
            }
            let g = try model.backward(r)
            for (i, n) in names.enumerated() {
                guard let t = g[n] else { throw SensitivityError("no gradient for weight '\(n)'") }
                var dot = 0.0
                for j in 0..<v[i].count { dot += Double(v[i][j]) * Double(t.data[j]) }
                out[i].append(dot / steps[i])
            }
        }
        for (i, name) in names.enumerated() { model.setParameter(name, base[i]) }
        return out
    }

    /// Hutchinson means: the trace estimate per layer.
    public func traces(layers: [QuantizableLayer]) throws -> [Double] {
        try traceSamples(layers: layers).map { $0.reduce(0, +) / Double(max(1, $0.count)) }
    }

    /// ‖Ŵ_l(b) − W_l‖² per (layer, candidate), with the correction's scale when on.
    public func perturbations(layers: [QuantizableLayer], candidates: [QuantizerSpec]) throws -> [[Double]] {
        let suffix = SuffixSensitivity(simulator: simulator, labels: labels, correction: correction, chunk: chunk)
        let p = try suffix.prepare(layers, candidates)
        let factors = try suffix.correctionFactors(layers, p)
        return layers.enumerated().map { i, l in
            let w = simulator.graph.initializers[l.weightName]!
            return candidates.indices.map { j in
                var wq = p.weights[i][j]
                if let f = factors[i][j] { wq = simulator.effectiveWeight(l, quantized: wq, a: f.a, b: f.b).weight }
                var s = 0.0
                for k in 0..<w.count { let d = Double(wq.data[k]) - Double(w.data[k]); s += d * d }
                return s
            }
        }
    }

    /// The layer × candidate matrix: max(0, Tr(H_l)/n_l) · ‖Ŵ_l(b) − W_l‖².
    public func analyze(layers: [QuantizableLayer], candidates: [QuantizerSpec],
                        progress: ((Int, Int) -> Void)? = nil) throws -> [[Double]] {
        let t = try traces(layers: layers)
        progress?(layers.count * candidates.count / 2, layers.count * candidates.count)
        let d = try perturbations(layers: layers, candidates: candidates)
        progress?(layers.count * candidates.count, layers.count * candidates.count)
        return layers.indices.map { i in d[i].map { max(0, t[i] / Double(max(1, layers[i].weightCount))) * $0 } }
    }
}
