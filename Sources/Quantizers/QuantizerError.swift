/// Errors raised when a quantizer, spec or calibration is configured with invalid values.
public enum QuantizerError: Error, Equatable, Sendable, CustomStringConvertible {
    /// `bits` outside the range the quantizer defines.
    case invalidBits(quantizer: String, bits: Int, allowed: ClosedRange<Int>)
    /// A percentile outside (50, 100].
    case invalidPercentile(Double)
    /// A quantizer name the spec parser does not know.
    case unknownQuantizer(String, valid: [String])
    /// Any other malformed option (clip method, granularity, seed, spec token...).
    case invalidOption(String)
    /// An activation observer asked for a range before it saw any value.
    case noCalibrationData

    public var description: String {
        switch self {
        case let .invalidBits(q, bits, allowed):
            return "\(q): \(bits) bits is not supported; allowed: \(allowed.lowerBound)...\(allowed.upperBound)"
        case let .invalidPercentile(p):
            return "percentile \(p) is outside (50, 100]"
        case let .unknownQuantizer(name, valid):
            return "unknown quantizer '\(name)'; valid: \(valid.joined(separator: ", "))"
        case let .invalidOption(text):
            return "invalid option: \(text)"
        case .noCalibrationData:
            return "activation observer has not seen any values"
        }
    }

    static func checkBits(_ bits: Int, _ allowed: ClosedRange<Int>, _ quantizer: String) throws {
        guard allowed.contains(bits) else {
            throw QuantizerError.invalidBits(quantizer: quantizer, bits: bits, allowed: allowed)
        }
    }
}
