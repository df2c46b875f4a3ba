/// Which weights share one set of quantization parameters.
///
/// `perChannel` means per *output* channel: axis 0 of the weight tensor (conv weights are
/// `[Cout, Cin/groups, kh, kw]`, linear weights `[out, in]`). In row-major storage every
/// output channel is one contiguous slice of `shape[1...].product` values, which is what
/// lets every quantizer here work on a channel as one flat buffer.
public enum Granularity: String, Codable, Sendable, CaseIterable {
    case perTensor = "per-tensor"
    case perChannel = "per-channel"

    /// Accepts the raw values plus the short forms `tensor` and `channel`.
    public init(parsing text: String) throws {
        switch text.lowercased() {
        case "per-tensor", "tensor", "pertensor": self = .perTensor
        case "per-channel", "channel", "perchannel": self = .perChannel
        default:
            throw QuantizerError.invalidOption("granularity '\(text)'; valid: per-tensor, per-channel")
        }
    }
}
