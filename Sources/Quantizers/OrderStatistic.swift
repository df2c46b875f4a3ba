/// Deterministic selection of order statistics (for percentile clipping).
enum OrderStatistic {
    /// The k-th smallest element (0-based) of `buf[range]`, reordering that range so that
    /// everything before position k is ≤ the result and everything after is ≥ it.
    /// Quickselect with median-of-three pivot and three-way partition (fast on the many
    /// equal values quantized or pruned tensors have); falls back to sorting the remaining
    /// window if it has not converged after 64 rounds.
    static func select(_ buf: UnsafeMutableBufferPointer<Float>, k: Int, in range: Range<Int>) -> Float {
        precondition(range.contains(k))
        var lo = range.lowerBound, hi = range.upperBound - 1
        var rounds = 0
        while lo < hi {
            rounds += 1
            if rounds > 64 {
                var window = UnsafeMutableBufferPointer(rebasing: buf[lo...hi])
                window.sort()
                return buf[k]
            }
            let a = buf[lo], b = buf[lo + (hi - lo) / 2], c = buf[hi]
            let pivot = Swift.max(Swift.min(a, b), Swift.min(Swift.max(a, b), c))
            var lt = lo, i = lo, gt = hi
            while i <= gt {
                let v = buf[i]
                if v < pivot {
                    buf.swapAt(lt, i); lt += 1; i += 1
                } else if v > pivot {
                    buf.swapAt(i, gt); gt -= 1
                } else {
                    i += 1
                }
            }
            if k < lt { hi = lt - 1 } else if k > gt { lo = gt + 1 } else { return pivot }
        }
        return buf[k]
    }

    /// Nearest-rank index of percentile p among n values: ⌈p·n/100⌉ − 1, clamped to 0...n−1.
    static func rank(percentile p: Double, count n: Int) -> Int {
        let k = Int((p * Double(n) / 100).rounded(.up)) - 1
        return Swift.min(Swift.max(k, 0), n - 1)
    }
}
