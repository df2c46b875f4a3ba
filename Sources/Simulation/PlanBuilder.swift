import Quantizers

/// What happens to the first and last weight layers: pinned to a bit-width, kept float, or
/// treated like every other layer. Applied the same way in plans, search and size accounting.
public enum EdgeLayerPolicy: Equatable, Sendable, CustomStringConvertible {
    case pinned(Int)
    case float
    case same

    /// `8` (any 1–8), `float`, `same`.
    public init(parsing text: String) throws {
        switch text.lowercased() {
        case "float", "fp32": self = .float
        case "same", "search", "searched": self = .same
        default:
            guard let b = Int(text), (1...8).contains(b) else {
                throw PlanError(file: "--first-last", "'\(text)' is not a bit-width 1–8, 'float' or 'same'")
            }
            self = .pinned(b)
        }
    }

    public var description: String {
        switch self { case .pinned(let b): return "\(b)-bit"; case .float: return "float"; case .same: return "same as the rest" }
    }
}

extension QuantizationPlan {
    /// Every layer at `spec` with `activationBits`, the first/last layers per `edges`.
    public static func uniform(layers: [QuantizableLayer], spec: QuantizerSpec, activationBits: Int?,
                               edges: EdgeLayerPolicy = .pinned(8), model: String? = nil,
                               activationCalibration: String = "percentile:99.99") throws -> QuantizationPlan {
        var out: [Layer] = []
        for l in layers {
            if l.isFirst || l.isLast {
                switch edges {
                case .float: continue
                case .pinned(let b):
                    let edgeSpec = try QuantizerSpec(.uniform, bits: max(2, b), granularity: spec.granularity,
                                                     clip: spec.quantizer.isUniform ? spec.clip : .minMax)
                    out.append(Layer(name: l.name, weight: edgeSpec, activationBits: activationBits.map { max($0, min(8, max(2, b))) }))
                    continue
                case .same: break
                }
            }
            out.append(Layer(name: l.name, weight: spec, activationBits: activationBits))
        }
        return QuantizationPlan(model: model, activationCalibration: activationCalibration, layers: out)
    }
}
