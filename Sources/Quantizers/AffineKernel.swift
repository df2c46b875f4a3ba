import TensorMath
/// Inner loops shared by the uniform quantizers: error evaluation for clip search and code
/// generation. Both work on t = code − zeroPoint: t = round(clamp(w · inv, lowT, highT)),
/// value = scale · t — identical arithmetic to `affineCode` / `AffineParameters.value`.
enum AffineKernel {
    typealias V = SIMD4<Float>

    /// Σ (w − scale·t)² over `src` in Double, or any value > `bound` as soon as the partial
    /// sum exceeds `bound` (terms are ≥ 0, so such a candidate cannot win a strict-less
    /// comparison against `bound`; the search stays exact and deterministic).
    ///
    /// Four SIMD4 Float accumulators, flushed to Double (and checked against `bound`) every 256 elements. Clamping uses
    /// `replace(with:where:)`, which lowers to compare-and-blend; `pointwiseMin/Max` is a
    /// generic per-lane loop and several times slower.
    static func squaredError(_ src: UnsafeBufferPointer<Float>, _ p: AffineParameters,
                             bound: Double = .infinity) -> Double {
        let n = src.count
        guard n > 0, let base = src.baseAddress else { return 0 }
        let s = p.scale, inv = p.inverseScale
        let lowT = Float(p.qmin - p.zeroPoint), highT = Float(p.qmax - p.zeroPoint)
        let vs = V(repeating: s), vinv = V(repeating: inv)
        let vlo = V(repeating: lowT), vhi = V(repeating: highT)
        let magic = V(repeating: 0x1.8p23)
        let raw = UnsafeRawPointer(base)
        @inline(__always) func term(_ i: Int) -> V {
            let w = raw.loadUnaligned(fromByteOffset: i &* 4, as: V.self)
            var x = w * vinv
            x.replace(with: vlo, where: x .< vlo)
            x.replace(with: vhi, where: x .> vhi)
            let d = w - ((x + magic) - magic) * vs
            return d * d
        }
        var total = 0.0
        var i = 0
        let vectorEnd = n & ~15
        while i < vectorEnd {
            var a0 = V(repeating: 0), a1 = V(repeating: 0), a2 = V(repeating: 0), a3 = V(repeating: 0)
            let blockEnd = Swift.min(vectorEnd, i + 256)
            while i < blockEnd {
                a0 += term(i); a1 += term(i + 4); a2 += term(i + 8); a3 += term(i + 12)
                i += 16
            }
            total += Double(((a0 + a1) + (a2 + a3)).sum())
            if total > bound { return total }
        }
        while i < n {
            let w = base[i]
            let t = roundHalfToEven(Swift.min(Swift.max(w * inv, lowT), highT))
            let d = w - t * s
            total += Double(d * d)
            i += 1
        }
        return total
    }

    /// Writes the codes of `src` into `codes` (same count). `indexOffset` is the row-major
    /// index of src[0] in the whole tensor (for the stochastic draws).
    static func encode(_ src: UnsafeBufferPointer<Float>, _ p: AffineParameters,
                       rounding: RoundingMode, indexOffset: Int,
                       into codes: UnsafeMutableBufferPointer<Int32>) {
        let inv = p.inverseScale, zp = p.zeroPoint
        let lowT = Float(p.qmin - zp), highT = Float(p.qmax - zp)
        switch rounding {
        case .nearest:
            for i in 0..<src.count {
                let t = roundHalfToEven(Swift.min(Swift.max(src[i] * inv, lowT), highT))
                codes[i] = Int32(t) + zp
            }
        case .stochastic(let seed):
            for i in 0..<src.count {
                let x = Swift.min(Swift.max(src[i] * inv, lowT), highT)
                let u = SplitMix64.unitFloat(seed: seed, index: indexOffset + i)
                codes[i] = Int32(roundStochastic(x, uniform: u)) + zp
            }
        }
    }
}
