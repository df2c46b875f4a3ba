import TensorMath

/// A quantized weight tensor: one integer code per weight plus what is needed to map codes
/// back to reals. It is the hand-off format between the quantizers (which produce it), the
/// fake-quant simulator (`dequantized()`) and the integer engine (which bit-packs `codes`).
public struct QuantizedTensor: Equatable, Sendable, Codable {
    /// Shape of the original tensor (row-major; axis 0 = output channel).
    public var shape: [Int]
    /// One code per weight, row-major, in the range the `scheme` documents.
    public var codes: [Int32]
    /// One scale per group (per output channel, or a single one for per-tensor).
    public var scales: [Float]
    /// One zero point per group; 0 except for asymmetric affine.
    public var zeroPoints: [Int32]
    /// Nominal bit width (binary 1, ternary 2).
    public var bits: Int
    public var granularity: Granularity
    public var scheme: QuantizationScheme

    public init(shape: [Int], codes: [Int32], scales: [Float], zeroPoints: [Int32], bits: Int,
                granularity: Granularity, scheme: QuantizationScheme) {
        precondition(shape.reduce(1, *) == codes.count, "QuantizedTensor: shape/codes mismatch")
        precondition(scales.count == zeroPoints.count, "QuantizedTensor: scales/zeroPoints mismatch")
        self.shape = shape
        self.codes = codes
        self.scales = scales
        self.zeroPoints = zeroPoints
        self.bits = bits
        self.granularity = granularity
        self.scheme = scheme
    }

    /// Number of parameter groups (channels for per-channel, 1 for per-tensor).
    public var groupCount: Int { scales.count }

    /// Codes per group.
    public var groupSize: Int { groupCount == 0 ? 0 : codes.count / groupCount }

    /// Codes a b-bit field of this scheme can hold at most per group
    /// (2^b for affine and codebook, 2^b − 1 for power-of-two, 3 ternary, 2 binary).
    public var levelCapacity: Int {
        switch scheme {
        case .affine(let qmin, let qmax): return Int(qmax - qmin) + 1
        case .binary: return 2
        case .ternary: return 3
        case .powerOfTwo: return 2 * ((1 << (bits - 1)) - 1) + 1
        case .codebook: return 1 << bits
        }
    }

    /// The largest number of distinct codes used in any one group. Because codes map
    /// one-to-one to values within a group (codebook codes index the first of any equal
    /// entries), this is also the number of distinct dequantized values per group.
    public var distinctLevelCount: Int {
        (0..<groupCount).map(distinctLevelCount(group:)).max() ?? 0
    }

    /// Distinct codes used in group `g`.
    public func distinctLevelCount(group g: Int) -> Int {
        var seen = [Bool](repeating: false, count: 1024)
        var count = 0
        let n = groupSize
        codes.withUnsafeBufferPointer { c in
            for i in (g * n)..<((g + 1) * n) {
                let k = Int(c[i]) + 512
                if !seen[k] { seen[k] = true; count += 1 }
            }
        }
        return count
    }
}
