/// How a uniform weight quantizer chooses its clip range (per channel or per tensor).
///
/// * `minMax`: the full range — max|w| (symmetric) or [min(w,0), max(w,0)] (asymmetric).
/// * `percentile(p)`: order statistics, nearest rank, no interpolation. With n values and
///   k = ⌈p·n/100⌉ − 1 (clamped to 0...n−1): symmetric clips at the k-th smallest |w|;
///   asymmetric uses the k-th smallest w as high end and the (n−1−k)-th as low end.
///   p must be in (50, 100]; 100 equals `minMax`. A zero result falls back to `minMax`.
/// * `mse`: grid search over `UniformQuantizerCore.mseCandidateCount` (100) clip ratios
///   r_i = 1 − i·0.7/99, i = 0...99 (1.0 down to 0.3) of the min-max range, keeping the one
///   with the least squared error ‖w − Q(w)‖² (round-to-nearest): the lexicographic
///   minimum of (error, i). r = 1 is candidate 0, so MSE clipping is never worse than
///   min-max, and ties resolve deterministically to the widest range.
public enum ClipSearch: Equatable, Hashable, Sendable {
    case minMax
    case percentile(Double)
    case mse

    /// `minmax`, `percentile:<p>` or `mse`.
    public init(parsing text: String) throws {
        switch text.lowercased() {
        case "minmax", "min-max": self = .minMax
        case "mse": self = .mse
        default:
            let lower = text.lowercased()
            if lower.hasPrefix("percentile:"), let p = Double(lower.dropFirst("percentile:".count)) {
                try Self.validate(percentile: p)
                self = .percentile(p)
            } else {
                throw QuantizerError.invalidOption("clip '\(text)'; valid: minmax, percentile:<p>, mse")
            }
        }
    }

    public var text: String {
        switch self {
        case .minMax: return "minmax"
        case .mse: return "mse"
        case .percentile(let p): return "percentile:\(Self.format(p))"
        }
    }

    static func validate(percentile p: Double) throws {
        guard p > 50, p <= 100 else { throw QuantizerError.invalidPercentile(p) }
    }

    static func format(_ p: Double) -> String {
        p == p.rounded() && abs(p) < 1e15 ? String(Int(p)) : String(p)
    }
}

extension ClipSearch: TextCodable {}
