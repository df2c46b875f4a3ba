/// Piecewise-cubic Hermite interpolant with Fritsch–Butland slopes ("PCHIP"),
/// extended linearly beyond the end knots.
///
/// Why this interpolant: it passes through every measured point, is C¹ (so a
/// gradient method sees a continuous derivative), and never overshoots — on
/// every interval where the data are monotone the curve is monotone too, and at
/// a local extremum of the data the slope is set to zero. Non-monotone data are
/// therefore fine. Outside [x₀, xₙ] the curve continues with the end slope, so
/// the derivative stays continuous there as well.
///
/// Build O(n log n) for n knots; evaluation O(log n).
struct MonotoneCubic {
    let x: [Double]
    let y: [Double]
    /// Knot derivatives.
    let d: [Double]

    /// `points` need distinct x; they are sorted here. At least one point.
    init(points: [(x: Double, y: Double)]) {
        precondition(!points.isEmpty)
        let sorted = points.sorted { $0.x < $1.x }
        x = sorted.map(\.x)
        y = sorted.map(\.y)
        let n = x.count
        guard n > 1 else { d = [0]; return }
        var secant = [Double](repeating: 0, count: n - 1)
        for i in 0..<(n - 1) { secant[i] = (y[i + 1] - y[i]) / (x[i + 1] - x[i]) }
        var slopes = [Double](repeating: 0, count: n)
        slopes[0] = secant[0]
        slopes[n - 1] = secant[n - 2]
        for i in 1..<(n - 1) where secant[i - 1] * secant[i] > 0 {
            let h0 = x[i] - x[i - 1], h1 = x[i + 1] - x[i]
            let w1 = 2 * h1 + h0, w2 = h1 + 2 * h0
            slopes[i] = (w1 + w2) / (w1 / secant[i - 1] + w2 / secant[i])
        }
        d = slopes
    }

    /// Interval index i with x[i] ≤ t < x[i+1] (clamped to 0…n−2).
    private func segment(_ t: Double) -> Int {
        var lo = 0, hi = x.count - 1
        while hi - lo > 1 {
            let mid = (lo + hi) / 2
            if x[mid] <= t { lo = mid } else { hi = mid }
        }
        return lo
    }

    func value(_ t: Double) -> Double {
        let n = x.count
        if n == 1 { return y[0] }
        if t <= x[0] { return y[0] + d[0] * (t - x[0]) }
        if t >= x[n - 1] { return y[n - 1] + d[n - 1] * (t - x[n - 1]) }
        let i = segment(t)
        let h = x[i + 1] - x[i], s = (t - x[i]) / h
        let s2 = s * s, s3 = s2 * s
        return (2 * s3 - 3 * s2 + 1) * y[i] + (s3 - 2 * s2 + s) * h * d[i]
            + (-2 * s3 + 3 * s2) * y[i + 1] + (s3 - s2) * h * d[i + 1]
    }

    func derivative(_ t: Double) -> Double {
        let n = x.count
        if n == 1 { return 0 }
        if t <= x[0] { return d[0] }
        if t >= x[n - 1] { return d[n - 1] }
        let i = segment(t)
        let h = x[i + 1] - x[i], s = (t - x[i]) / h
        let s2 = s * s
        return ((6 * s2 - 6 * s) * y[i] + (3 * s2 - 4 * s + 1) * h * d[i]
            + (-6 * s2 + 6 * s) * y[i + 1] + (3 * s2 - 2 * s) * h * d[i + 1]) / h
    }

    /// Largest |derivative| anywhere (knot slopes and secants bound it up to the
    /// factor 3 of the Fritsch–Carlson conditions; we return that bound).
    var slopeBound: Double {
        var m = d.map(abs).max() ?? 0
        for i in 0..<(x.count - 1) { m = max(m, 3 * abs((y[i + 1] - y[i]) / (x[i + 1] - x[i]))) }
        return m
    }

    /// Smallest non-zero |secant|, or nil when the curve is flat.
    var smallestSlope: Double? {
        var m: Double? = nil
        for i in 0..<(x.count - 1) {
            let s = abs((y[i + 1] - y[i]) / (x[i + 1] - x[i]))
            if s > 0 { m = min(m ?? s, s) }
        }
        return m
    }
}
