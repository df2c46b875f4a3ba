/// Packed weight storage — the one size formula the search and the integer engine share.
///
/// For a weight tensor of P parameters with C output channels, quantized by `spec`:
///
///     G          = C for per-channel, 1 for per-tensor        (parameter groups)
///     codeBits   = spec.bits  (binary 1, ternary 2, uniform/pow2/kmeans b)
///     codeBytes  = ⌈P · codeBits / 8⌉                         (codes bit-packed back to back,
///                                                              rounded up once per tensor)
///     groupBytes = 4                  uniform (Float32 scale)
///                  4 + 4              uniform-asym (Float32 scale + Int32 zero point)
///                  4                  pow2 (Float32 scale), binary / ternary (Float32 α)
///                  4 · 2^b            kmeans (Float32 codebook, no scale)
///     bytes      = codeBytes + G · groupBytes
///
/// Biases and other full-precision tensors are not included.
public enum PackedSize {
    /// Bits per stored code.
    public static func codeBits(_ spec: QuantizerSpec) -> Int { spec.bits }

    /// Metadata bytes per parameter group.
    public static func groupBytes(_ spec: QuantizerSpec) -> Int {
        switch spec.quantizer {
        case .uniform, .pow2, .binary, .ternary: return 4
        case .uniformAsym: return 8
        case .kmeans: return 4 << spec.bits
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
    let codeBytes = (parameterCount * PackedSize.codeBits(spec) + 7) / 8
    return codeBytes + PackedSize.groupCount(channels: channels, granularity: spec.granularity) * PackedSize.groupBytes(spec)
}

extension QuantizedTensor {
    /// `packedWeightBytes` for this tensor's own layout (codes, groups and scheme).
    public var packedByteCount: Int {
        let groupBytes: Int
        switch scheme {
        case .affine(let qmin, _): groupBytes = qmin < 0 ? 4 : 8
        case .binary, .ternary, .powerOfTwo: groupBytes = 4
        case .codebook: groupBytes = 4 << bits
        }
        return (codes.count * bits + 7) / 8 + groupCount * groupBytes
    }
}
