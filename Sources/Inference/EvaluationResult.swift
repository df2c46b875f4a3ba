/// Accuracy and loss of a model over a labelled set of images.
public struct EvaluationResult: Sendable, Equatable {
    public var count: Int
    public var top1Correct: Int
    public var top5Correct: Int
    /// Sum of per-image cross-entropy (natural log) of the softmax of the logits.
    public var lossSum: Double

    public init(count: Int = 0, top1Correct: Int = 0, top5Correct: Int = 0, lossSum: Double = 0) {
        self.count = count; self.top1Correct = top1Correct; self.top5Correct = top5Correct; self.lossSum = lossSum
    }

    public var top1: Double { count == 0 ? 0 : Double(top1Correct) / Double(count) }
    public var top5: Double { count == 0 ? 0 : Double(top5Correct) / Double(count) }
    public var meanLoss: Double { count == 0 ? 0 : lossSum / Double(count) }

    public static func + (a: Self, b: Self) -> Self {
        Self(count: a.count + b.count, top1Correct: a.top1Correct + b.top1Correct,
             top5Correct: a.top5Correct + b.top5Correct, lossSum: a.lossSum + b.lossSum)
    }

    /// Scores one batch of logits [N, classes] against labels.
    public static func score(logits: [Float], classes: Int, labels: [Int32]) -> Self {
        var r = Self()
        for (i, label) in labels.enumerated() {
            let row = logits[(i * classes)..<((i + 1) * classes)]
            let l = Int(label)
            let target = row[row.startIndex + l]
            var above = 0, maxV = -Float.infinity
            for v in row { if v > target { above += 1 }; maxV = max(maxV, v) }
            // Ties count against the label only when an earlier class has the same value,
            // which is argmax's first-index rule.
            var tiedBefore = 0
            for j in 0..<l where row[row.startIndex + j] == target { tiedBefore += 1 }
            if above + tiedBefore == 0 { r.top1Correct += 1 }
            if above + tiedBefore < 5 { r.top5Correct += 1 }
            var s = 0.0
            for v in row { s += exp(Double(v - maxV)) }
            r.lossSum += log(s) - Double(target - maxV)
            r.count += 1
        }
        return r
    }

    /// `top-1: 91.73% (9173/10000)`.
    public var top1Line: String {
        "top-1: \(String(format: "%.2f", top1 * 100))% (\(top1Correct)/\(count))"
    }
}

import Foundation
