import Foundation

/// How the damage of quantizing one layer is scored on the calibration images.
public enum SensitivityMetric: String, CaseIterable, Sendable {
    /// Mean KL(float ‖ quantized) of the softmax outputs — needs no labels.
    case kl
    /// Increase of the mean cross-entropy loss.
    case loss
    /// Drop of top-1 accuracy (fraction of images).
    case top1
    /// HAWQ: Hutchinson estimate of Tr(H_l)/n_l times ‖Q_b(W_l) − W_l‖² (`HessianSensitivity`).
    case hessian

    /// Score of `logits` [N, K] against the float model's `reference` logits and `labels`.
    public static func score(_ metric: SensitivityMetric, logits: [Float], reference: [Float], classes k: Int, labels: [Int32]) -> Double {
        let n = logits.count / k
        var total = 0.0
        accumulate(metric, logits: logits, reference: reference, classes: k, labels: labels, firstLabel: 0, into: &total)
        return total / Double(max(1, n))
    }

    /// Adds the per-image scores of a chunk (whose first image has label index `firstLabel`)
    /// to `total`, image after image — chunked totals equal the whole batch's bit for bit.
    static func accumulate(_ metric: SensitivityMetric, logits: [Float], reference: [Float], classes k: Int,
                           labels: [Int32], firstLabel: Int, into total: inout Double) {
        let n = logits.count / k
        for i in 0..<n {
            let q = softmax(logits, i * k, k), p = softmax(reference, i * k, k)
            switch metric {
            case .kl:
                for j in 0..<k where p[j] > 0 { total += p[j] * (log(p[j]) - log(max(q[j], 1e-30))) }
            case .loss:
                let l = Int(labels[firstLabel + i])
                total += -log(max(q[l], 1e-30)) + log(max(p[l], 1e-30))
            case .top1:
                let l = Int(labels[firstLabel + i])
                let refOK = p.indices.max(by: { p[$0] < p[$1] }) == l, qOK = q.indices.max(by: { q[$0] < q[$1] }) == l
                total += (refOK ? 1 : 0) - (qOK ? 1 : 0)
            case .hessian:
                break  // not a logits metric: HessianSensitivity scores weights
            }
        }
    }

    static func softmax(_ x: [Float], _ start: Int, _ k: Int) -> [Double] {
        var m = -Double.infinity
        for j in 0..<k { m = max(m, Double(x[start + j])) }
        var e = (0..<k).map { exp(Double(x[start + $0]) - m) }
        let s = e.reduce(0, +)
        for j in 0..<k { e[j] /= s }
        return e
    }
}
