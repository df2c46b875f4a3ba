import CKernels

/// The storage formats of `PackedWeights`. Each packs one output row along K in blocks
/// of 64 weights (see Sources/Engine/README.md for the byte layouts).
public enum WeightFormat: Hashable, Sendable, CustomStringConvertible {
    /// b-bit integer codes, b in 2...8. Signed-domain values w in [-2^(b-1), 2^(b-1)-1].
    case int(bits: Int)
    /// {-1, 0, +1}: a nonzero mask and a sign mask per block.
    case ternary
    /// {-1, +1}: one sign bit per weight (bit set = -1).
    case binary

    /// Weights per block along K; rows are padded to a whole number of blocks.
    public static let blockSize = Int(BB_BLOCK)

    /// `.binary` for 1 bit, `.int(bits:)` for 2...8.
    public static func forBits(_ bits: Int) -> WeightFormat {
        precondition((1...8).contains(bits), "WeightFormat: \(bits) bits is outside 1...8")
        return bits == 1 ? .binary : .int(bits: bits)
    }

    /// The C library's format tag.
    public var cValue: Int32 {
        switch self {
        case .int(let b):
            precondition((2...8).contains(b), "WeightFormat.int: bits must be in 2...8, got \(b)")
            return Int32(b)
        case .ternary: return Int32(BB_FMT_TERNARY)
        case .binary: return Int32(BB_FMT_BINARY)
        }
    }

    public init?(cValue: Int32) {
        switch cValue {
        case 2...8: self = .int(bits: Int(cValue))
        case Int32(BB_FMT_TERNARY): self = .ternary
        case Int32(BB_FMT_BINARY): self = .binary
        default: return nil
        }
    }

    /// Stored bits per weight (excluding row padding and per-row metadata).
    public var storageBits: Int {
        switch self {
        case .int(let b): return b
        case .ternary: return 2
        case .binary: return 1
        }
    }

    /// Bytes of one 64-weight block.
    public var blockBytes: Int { Int(bb_block_bytes(cValue)) }

    /// Bytes of one packed row of `k` weights.
    public func rowBytes(k: Int) -> Int { Int(bb_row_bytes(cValue, k)) }

    /// Range of signed-domain values (what the kernels multiply with).
    public var signedRange: ClosedRange<Int32> { bb_format_min_value(cValue)...bb_format_max_value(cValue) }

    public var description: String {
        switch self {
        case .int(let b): return "int\(b)"
        case .ternary: return "ternary"
        case .binary: return "binary"
        }
    }
}
