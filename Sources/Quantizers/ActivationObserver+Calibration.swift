import Foundation

extension ActivationObserver {
    /// The clip range chosen by `method` for a `bits`-bit grid (bits 2...8); always contains 0.
    ///
    /// With q = 2^b − 1 grid steps over [0, c] for non-negative data, or (2^b − 1)/2 steps
    /// when negatives were seen (the grid then spans [−c, c]), and bin centers
    /// v_i = (i + ½)·binWidth with counts n_i:
    ///  * `mse`: c over the bin edges j·binWidth (clamped to max|x|) minimizing
    ///    Σ_{i<j} n_i·Δ²/12 + Σ_{i≥j} n_i·(v_i − c)², Δ = c/q — uniform rounding noise inside
    ///    the range plus clipping error outside; ties keep the larger c.
    ///  * `kl`: entropy calibration (TensorRT): for each i from the target bin count
    ///    T (2^b for non-negative data, 2^(b−1) otherwise) to binCount, P is the first i bins
    ///    with the tail's counts added to bin i−1, Q is the first i bins merged into T groups
    ///    (group t = bins [⌊t·i/T⌋, ⌊(t+1)·i/T⌋)) and spread evenly over the group's bins where
    ///    P is nonzero; c = i·binWidth (clamped to max|x|) for the i minimizing
    ///    KL(P‖Q) = Σ P ln(P/Q) (both normalized; a Q bin that is 0 where P > 0 gets 1e-12).
    ///    Ties keep the smaller i.
    public func clipRange(_ method: CalibrationMethod, bits: Int) throws -> ClosedRange<Float> {
        try QuantizerError.checkBits(bits, 2...8, "activation")
        if case .fixed(let alpha) = method {
            guard alpha > 0, alpha.isFinite else { throw QuantizerError.invalidOption("fixed clip \(alpha)") }
            return isTwoSided ? -alpha...alpha : 0...alpha
        }
        guard count > 0 else { throw QuantizerError.noCalibrationData }
        let c: Float
        switch method {
        case .minMax, .fixed:
            return Swift.min(min, 0)...Swift.max(max, 0)
        case .percentile(let p):
            try ClipSearch.validate(percentile: p)
            c = percentileClip(p)
        case .mse:
            c = mseClip(bits: bits)
        case .kl:
            c = klClip(bits: bits)
        }
        let lo = isTwoSided ? Swift.max(min, -c) : min
        let hi = Swift.min(max, c)
        return Swift.min(lo, 0)...Swift.max(hi, 0)
    }

    /// Grid steps over [0, c].
    func magnitudeSteps(bits: Int) -> Double {
        let levels = Double((1 << bits) - 1)
        return isTwoSided ? levels / 2 : levels
    }

    func percentileClip(_ p: Double) -> Float {
        guard binWidth > 0 else { return 0 }
        let total = histogram.reduce(0, +)
        let target = p / 100 * total
        var cumulative = 0.0
        for i in 0..<binCount {
            cumulative += histogram[i]
            if cumulative >= target { return Swift.min(Float(i + 1) * binWidth, maxAbs) }
        }
        return maxAbs
    }

    func mseClip(bits: Int) -> Float {
        guard binWidth > 0 else { return 0 }
        let q = magnitudeSteps(bits: bits)
        let width = Double(binWidth)
        // Suffix sums over bins i ≥ j of n, n·v, n·v².
        var s0 = 0.0, s1 = 0.0, s2 = 0.0
        var inside = histogram.reduce(0, +)
        var best = maxAbs, bestError = Double.infinity
        var previous: Float = -1
        for j in stride(from: binCount, through: 1, by: -1) {
            if j < binCount {
                let n = histogram[j], v = (Double(j) + 0.5) * width
                s0 += n; s1 += n * v; s2 += n * v * v
                inside -= n
            }
            let c = Swift.min(Float(j) * binWidth, maxAbs)
            if c == previous { continue }
            previous = c
            let cd = Double(c), delta = cd / q
            let error = inside * delta * delta / 12 + (s2 - 2 * cd * s1 + cd * cd * s0)
            if error < bestError { bestError = error; best = c }
        }
        return best
    }

    func klClip(bits: Int) -> Float {
        guard binWidth > 0 else { return 0 }
        let target = isTwoSided ? 1 << (bits - 1) : 1 << bits
        guard target < binCount else { return maxAbs }
        let h = histogram
        var suffix = [Double](repeating: 0, count: binCount + 1)
        for i in stride(from: binCount - 1, through: 0, by: -1) { suffix[i] = suffix[i + 1] + h[i] }
        var p = [Double](repeating: 0, count: binCount)
        var qd = [Double](repeating: 0, count: binCount)
        var bestI = binCount, bestKL = Double.infinity
        for i in target...binCount {
            for k in 0..<i { p[k] = h[k] }
            p[i - 1] += suffix[i]
            for t in 0..<target {
                let start = t * i / target, end = (t + 1) * i / target
                var total = 0.0, nonzero = 0
                for k in start..<end { total += h[k]; if p[k] != 0 { nonzero += 1 } }
                let share = nonzero == 0 ? 0 : total / Double(nonzero)
                for k in start..<end { qd[k] = p[k] != 0 ? share : 0 }
            }
            var pSum = 0.0, qSum = 0.0
            for k in 0..<i { pSum += p[k]; qSum += qd[k] }
            guard pSum > 0, qSum > 0 else { continue }
            var kl = 0.0
            for k in 0..<i where p[k] > 0 {
                let pk = p[k] / pSum
                let qk = Swift.max(qd[k] / qSum, 1e-12)
                kl += pk * log(pk / qk)
            }
            if kl < bestKL { bestKL = kl; bestI = i }
        }
        return Swift.min(Float(bestI) * binWidth, maxAbs)
    }
}
