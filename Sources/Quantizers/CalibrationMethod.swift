/// How an `ActivationObserver` turns its statistics into a clip range. All but `minMax`
/// and `fixed` choose a clip magnitude c on the histogram of |x|; the range is then
/// [max(min, −c), min(max, c)] (widened to contain 0).
public enum CalibrationMethod: Equatable, Hashable, Sendable {
    /// [min, max] of everything observed.
    case minMax
    /// c = the upper edge of the first histogram bin at which the cumulative count of |x|
    /// reaches p % of all values (clamped to max|x|); p in (50, 100].
    case percentile(Double)
    /// c minimizing the expected squared error on the histogram (see `ActivationObserver`).
    case mse
    /// TensorRT-style entropy calibration: c minimizing KL(P ‖ Q) (see `ActivationObserver`).
    case kl
    /// PACT-style fixed clip α: [0, α] for non-negative data, [−α, α] once negatives were seen.
    case fixed(Float)

    /// `minmax`, `percentile:<p>`, `mse`, `kl`, `fixed:<alpha>`.
    public init(parsing text: String) throws {
        let lower = text.lowercased()
        switch lower {
        case "minmax", "min-max": self = .minMax
        case "mse": self = .mse
        case "kl", "entropy": self = .kl
        default:
            if lower.hasPrefix("percentile:"), let p = Double(lower.dropFirst("percentile:".count)) {
                try ClipSearch.validate(percentile: p)
                self = .percentile(p)
            } else if lower.hasPrefix("fixed:"), let a = Float(lower.dropFirst("fixed:".count)), a > 0, a.isFinite {
                self = .fixed(a)
            } else {
                throw QuantizerError.invalidOption("calibration '\(text)'; valid: minmax, percentile:<p>, mse, kl, fixed:<alpha>")
            }
        }
    }

    public var text: String {
        switch self {
        case .minMax: return "minmax"
        case .percentile(let p): return "percentile:\(ClipSearch.format(p))"
        case .mse: return "mse"
        case .kl: return "kl"
        case .fixed(let a): return "fixed:\(a)"
        }
    }
}

extension CalibrationMethod: TextCodable {}
