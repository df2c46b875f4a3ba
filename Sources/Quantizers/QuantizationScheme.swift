/// How the integer codes of a `QuantizedTensor` map back to real values. In every case
/// `g` is the code's group (its output channel, or 0 for per-tensor), `scale = scales[g]`
/// and `zp = zeroPoints[g]`.
public enum QuantizationScheme: Equatable, Hashable, Sendable, Codable {
    /// Uniform: w ≈ scale · (code − zp), code in [qmin, qmax].
    /// Symmetric b-bit: [−(2^(b−1)−1), 2^(b−1)−1] with zp = 0 (the "narrow" signed range);
    /// asymmetric b-bit: unsigned [0, 2^b−1] with zp in that range.
    case affine(qmin: Int32, qmax: Int32)
    /// code ∈ {−1, +1}; w ≈ scale · code (scale = α = mean|w|).
    case binary
    /// code ∈ {−1, 0, +1}; w ≈ scale · code (scale = α of TWN).
    case ternary
    /// Logarithmic. With n = 2^(b−1) − 1 magnitude levels, code ∈ [−n, n]:
    /// code 0 is the value 0; code c ≠ 0 is sign(c) · scale · 2^(|c| − n), i.e. exponent
    /// e = n − |c| ∈ [0, n−1] and w ≈ sign · scale · 2^(−e). Larger |code| = larger magnitude,
    /// so codes are ordered like the values and fit a b-bit signed field.
    case powerOfTwo
    /// Clustering (k-means): w ≈ codebook[g · K + code] with K = 2^bits entries per group,
    /// sorted ascending within a group.
    case codebook([Float])
}
