import Foundation
import TensorMath

/// Mean softmax cross-entropy over a batch of logits [N, C].
public enum SoftmaxCrossEntropy {
    /// (mean loss, dLoss/dlogits, correct top-1 count). Accumulates in Double.
    public static func evaluate(logits: Tensor, labels: [Int32]) -> (loss: Double, grad: Tensor, correct: Int) {
        let n = logits.shape[0], c = logits.count / max(n, 1)
        precondition(labels.count == n, "SoftmaxCrossEntropy: \(labels.count) labels for \(n) rows")
        var grad = Tensor(zeros: [n, c])
        var loss = 0.0, correct = 0
        for i in 0..<n {
            let row = i * c
            var m = -Float.infinity, arg = 0
            for j in 0..<c where logits.data[row + j] > m { m = logits.data[row + j]; arg = j }
            var s = 0.0
            for j in 0..<c { s += exp(Double(logits.data[row + j] - m)) }
            let l = Int(labels[i])
            loss += log(s) - Double(logits.data[row + l] - m)
            if arg == l { correct += 1 }
            for j in 0..<c {
                let p = exp(Double(logits.data[row + j] - m)) / s
                grad.data[row + j] = Float((p - (j == l ? 1 : 0)) / Double(n))
            }
        }
        return (loss / Double(max(n, 1)), grad.reshaped(logits.shape), correct)
    }
}

/// Stochastic gradient descent with momentum (PyTorch's formulation), optional Nesterov,
/// and L2 weight decay applied only to the model's `decayedParameters` (Conv/Gemm weights;
/// BN scale/shift and biases are not decayed, the usual practice: decaying them only
/// fights the normalization and does not regularize).
///
///     g = ∇ + wd·p            (wd only for decayed parameters)
///     v = μ·v + g
///     p = p − lr·(g + μ·v)    (Nesterov)   or   p = p − lr·v
public struct SGD {
    public var momentum: Float
    public var nesterov: Bool
    public var weightDecay: Float
    /// Momentum buffers by parameter name (created on the first step).
    public var buffers: [String: [Float]] = [:]

    public init(momentum: Float = 0.9, nesterov: Bool = false, weightDecay: Float = 0) {
        self.momentum = momentum; self.nesterov = nesterov; self.weightDecay = weightDecay
    }

    public mutating func step(_ model: TrainableModel, gradients: [String: Tensor], lr: Float) {
        let mu = momentum, nest = nesterov
        model.updateParameters { name, p in
            guard let g = gradients[name] else { return }
            let wd = model.decayedParameters.contains(name) ? weightDecay : 0
            var v = buffers[name] ?? [Float](repeating: 0, count: p.count)
            g.data.withUnsafeBufferPointer { gb in
                v.withUnsafeMutableBufferPointer { vb in
                    p.withUnsafeMutableBufferPointer { pb in
                        for i in 0..<pb.count {
                            let gi = gb[i] + wd * pb[i]
                            if mu == 0 { pb[i] -= lr * gi; continue }
                            vb[i] = mu * vb[i] + gi
                            pb[i] -= lr * (nest ? gi + mu * vb[i] : vb[i])
                        }
                    }
                }
            }
            buffers[name] = v
        }
    }
}

/// Learning rate as a function of the optimizer step.
public struct LRSchedule: Sendable, Equatable {
    public enum Kind: Sendable, Equatable {
        /// Half-cosine from `base` to `base·minFactor` over all steps.
        case cosine(minFactor: Float)
        /// Multiply by `gamma` every `everyEpochs` epochs.
        case step(everyEpochs: Int, gamma: Float)
        case constant
    }
    public var base: Float
    public var kind: Kind
    public var warmupSteps: Int
    public var totalSteps: Int
    public var stepsPerEpoch: Int

    public init(base: Float, kind: Kind, warmupSteps: Int = 0, totalSteps: Int, stepsPerEpoch: Int) {
        self.base = base; self.kind = kind; self.warmupSteps = warmupSteps
        self.totalSteps = max(1, totalSteps); self.stepsPerEpoch = max(1, stepsPerEpoch)
    }

    /// LR for step `t` (0-based). Warmup rises linearly from base/warmup to base.
    public func lr(at t: Int) -> Float {
        if t < warmupSteps { return base * Float(t + 1) / Float(warmupSteps) }
        switch kind {
        case .constant: return base
        case let .step(every, gamma):
            return base * powf(gamma, Float(t / stepsPerEpoch / max(1, every)))
        case let .cosine(minFactor):
            let span = max(1, totalSteps - warmupSteps)
            let progress = Double(min(t - warmupSteps, span)) / Double(span)
            let f = Float(0.5 * (1 + cos(Double.pi * progress)))
            return base * (minFactor + (1 - minFactor) * f)
        }
    }
}
