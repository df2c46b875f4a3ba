/// Packed weight storage — the one size formula the search and the integer engine share.
/// It equals the bytes `Engine.PackedWeights` really stores (`packedByteCount`), so
/// `bitbudget quantize`, the search's byte budgets and `bitbudget run` agree byte for byte.
///
/// For a weight tensor of P parameters with R output channels (rows), quantized by `spec`:
///
///     K          = P / R                                   (per-output-channel fan-in)
///     codeBits   = spec.bits  (binary 1, ternary 2, uniform/pow2/kmeans b)
///     codeBytes  = R · ⌈K / 64⌉ · 8 · codeBits             (each row packed along K in blocks of
///                                                           64 codes, padded to a whole block;
///                                                           8·b bytes per block, ternary 16,
///                                                           binary 8)
///     metaBytes  = 4 · R              uniform, pow2, binary, ternary (Float32 scale / α per row;
///                                     per-tensor scales are stored per row too)
///                  8 · R              uniform-asym (Float32 scale + Int32 zero point per row)
///                  4 · 2^b · G        kmeans (Float32 codebook per group, G = R or 1)
///     bytes      = codeBytes + metaBytes
///
/// Biases and other full-precision tensors are not included. (The engine runs uniform,
/// uniform-asym, binary and ternary; pow2 and kmeans are sized with the same row layout.)
public enum PackedSize {
    /// Codes per packed block along K (the engine's `WeightFormat.blockSize`).
    public static let blockSize = 64

    /// Bits per stored code.
    public static func codeBits(_ spec: QuantizerSpec) -> Int { spec.bits }

    /// Bytes of one packed 64-code block.
    public static func blockBytes(codeBits: Int) -> Int { 8 * codeBits }

    /// Bytes of `rows` packed rows of `k` codes each.
    public static func codeBytes(rows: Int, k: Int, codeBits: Int) -> Int {
        rows * ((k + blockSize - 1) / blockSize) * blockBytes(codeBits: codeBits)
    }

    /// Metadata bytes: per-row scales (+ zero points), or k-means codebooks per group.
    public static func metadataBytes(_ spec: QuantizerSpec, rows: Int) -> Int {
        switch spec.quantizer {
        case .uniform, .pow2, .binary, .ternary: return 4 * rows
        case .uniformAsym: return 8 * rows
        case .kmeans: return groupCount(channels: rows, granularity: spec.granularity) * (4 << spec.bits)
        }
    }

    /// Parameter groups: `channels` for per-channel, 1 for per-tensor.
    public static func groupCount(channels: Int, granularity: Granularity) -> Int {
        granularity == .perChannel ? channels : 1
    }
}

/// Bytes the integer engine stores for a weight tensor (see `PackedSize` for the formula).
public func packedWeightBytes(parameterCount: Int, channels: Int, spec: QuantizerSpec) -> Int {
    precondition(parameterCount >= 0 && channels >= 0, "packedWeightBytes: negative size")
    let rows = max(1, channels)
    let k = (parameterCount + rows - 1) / rows
    return PackedSize.codeBytes(rows: rows, k: k, codeBits: PackedSize.codeBits(spec)) + PackedSize.metadataBytes(spec, rows: rows)
}

extension QuantizedTensor {
    /// `packedWeightBytes` for this tensor's own layout (rows = axis 0, codes, scheme).
    public var packedByteCount: Int {
        let rows = max(1, shape.first ?? 1)
        let k = (codes.count + rows - 1) / rows
        let meta: Int
        switch scheme {
        case .affine(let qmin, _): meta = (qmin < 0 ? 4 : 8) * rows
        case .binary, .ternary, .powerOfTwo: meta = 4 * rows
        case .codebook: meta = groupCount * (4 << bits)
        }
        return PackedSize.codeBytes(rows: rows, k: k, codeBits: bits) + meta
    }
}
