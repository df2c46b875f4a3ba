import TensorMath
/// How the uniform quantizers turn a scaled value into an integer.
public enum RoundingMode: Equatable, Hashable, Sendable {
    /// Deterministic round-half-to-even (`roundHalfToEven`).
    case nearest
    /// Unbiased stochastic rounding (`roundStochastic`); the draw for the weight at
    /// row-major index i is `SplitMix64.unitFloat(seed: seed, index: i)`.
    /// Clip-range search (MSE) always uses `.nearest`; only the final codes are stochastic.
    case stochastic(seed: UInt64)

    /// `nearest` or `stochastic:<seed>`.
    public init(parsing text: String) throws {
        if text == "nearest" { self = .nearest; return }
        if text.hasPrefix("stochastic:"), let seed = UInt64(text.dropFirst("stochastic:".count)) {
            self = .stochastic(seed: seed); return
        }
        throw QuantizerError.invalidOption("rounding '\(text)'; valid: nearest, stochastic:<seed>")
    }

    public var text: String {
        switch self {
        case .nearest: return "nearest"
        case .stochastic(let seed): return "stochastic:\(seed)"
        }
    }
}

extension RoundingMode: TextCodable {}
