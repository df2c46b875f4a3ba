import TensorMath

/// Accumulates activation statistics over calibration batches: count, min, max and a
/// histogram of |x|.
///
/// The histogram has `binCount` equal bins over [0, binCount·binWidth). Its width is set by
/// the first batch with a nonzero value (binWidth = max|x| / binCount); when a later value
/// exceeds the covered range, adjacent bin pairs are merged and the width doubles until it
/// fits. Merging pairs is exact (the new bins are unions of old ones), so no count is ever
/// interpolated. Values are binned by ⌊|x| · (1/binWidth)⌋, clamped to the last bin. The
/// result depends only on the sequence of batches, never on timing or platform.
public struct ActivationObserver: Equatable, Sendable {
    public let binCount: Int
    public private(set) var count: Int = 0
    public private(set) var min: Float = .infinity
    public private(set) var max: Float = -.infinity
    /// Counts per bin of |x| (exact integers stored as Double).
    public private(set) var histogram: [Double]
    /// Width of one bin; 0 until a nonzero value was observed.
    public private(set) var binWidth: Float = 0
    private var zerosBeforeRange: Double = 0

    /// `bins` must be even and ≥ 8.
    public init(bins: Int = 2048) {
        precondition(bins >= 8 && bins % 2 == 0, "ActivationObserver: bins must be even and ≥ 8, got \(bins)")
        binCount = bins
        histogram = [Double](repeating: 0, count: bins)
    }

    /// max(|min|, |max|), 0 before any value.
    public var maxAbs: Float { count == 0 ? 0 : Swift.max(abs(min), abs(max)) }

    /// Whether negative values were seen (then the magnitude grid has half the levels).
    public var isTwoSided: Bool { count > 0 && min < 0 }

    /// Whether a NaN or an infinity was seen (a float model overflowing on its input). No grid
    /// covers such values: they are kept out of the histogram and `quantizer` refuses.
    public private(set) var sawNonFinite = false

    public mutating func observe(_ x: UnsafeBufferPointer<Float>) {
        guard !x.isEmpty else { return }
        var lo = Float.infinity, hi = -Float.infinity, special = false
        for v in x {
            lo = Swift.min(lo, v); hi = Swift.max(hi, v)
            // exponent all ones: ±infinity or NaN (which min/max would skip), in the same pass
            if v.bitPattern & 0x7F80_0000 == 0x7F80_0000 { special = true }
        }
        if special {
            sawNonFinite = true
            count += x.count
            return
        }
        min = Swift.min(min, lo)
        max = Swift.max(max, hi)
        count += x.count
        let batchMaxAbs = Swift.max(abs(lo), abs(hi))
        if binWidth == 0 {
            guard batchMaxAbs > 0 else { zerosBeforeRange += Double(x.count); return }
            binWidth = batchMaxAbs / Float(binCount)
            histogram[0] += zerosBeforeRange
            zerosBeforeRange = 0
        }
        while batchMaxAbs > binWidth * Float(binCount) { mergePairs() }
        let inv = 1 / binWidth
        let last = binCount - 1
        histogram.withUnsafeMutableBufferPointer { h in
            for v in x {
                let index = Int(Swift.min(abs(v) * inv, Float(last)))
                h[index] += 1
            }
        }
    }

    public mutating func observe(_ x: [Float]) { x.withUnsafeBufferPointer { observe($0) } }
    public mutating func observe(_ x: Tensor) { observe(x.data) }

    /// Halves the resolution: bin i becomes old bins 2i and 2i+1, the width doubles.
    private mutating func mergePairs() {
        let half = binCount / 2
        for i in 0..<half { histogram[i] = histogram[2 * i] + histogram[2 * i + 1] }
        for i in half..<binCount { histogram[i] = 0 }
        binWidth *= 2
    }

    /// The quantizer for `method`: the grid over `clipRange(method, bits:)`.
    public func quantizer(_ method: CalibrationMethod, bits: Int, signed: Bool) throws -> ActivationQuantizer {
        guard !sawNonFinite else { throw QuantizerError.invalidOption("activations hold NaN or infinite values") }
        return try ActivationQuantizer(bits: bits, signed: signed, range: try clipRange(method, bits: bits))
    }
}
