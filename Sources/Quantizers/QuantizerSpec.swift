/// A serializable description of a weight quantizer, e.g.
/// `{"quantizer":"uniform","bits":4,"granularity":"per-channel","clip":"mse"}`.
///
/// Validated on construction (and decoding): bits must be in the quantizer's range,
/// `binary` is always 1 bit and `ternary` always 2 bits (3 levels stored in 2 bits); `clip`
/// and `rounding` apply to the uniform quantizers only, `iterations` to k-means only.
public struct QuantizerSpec: Equatable, Hashable, Sendable {
    /// The quantizer families, by their short CLI name.
    public enum Name: String, Codable, CaseIterable, Sendable {
        case uniform
        case uniformAsym = "uniform-asym"
        case pow2
        case kmeans
        case binary
        case ternary

        /// Bits each family accepts.
        public var allowedBits: ClosedRange<Int> {
            switch self {
            case .uniform, .pow2: return 2...8
            case .uniformAsym, .kmeans: return 1...8
            case .binary: return 1...1
            case .ternary: return 2...2
            }
        }

        /// Bits used when a spec gives none: 8 for the multi-bit families, 1 binary, 2 ternary.
        public var defaultBits: Int {
            switch self {
            case .binary: return 1
            case .ternary: return 2
            default: return 8
            }
        }

        /// Whether `clip` and `rounding` apply.
        public var isUniform: Bool { self == .uniform || self == .uniformAsym }

        /// Parses a name; unknown names list the valid ones.
        public init(parsing text: String) throws {
            guard let name = Name(rawValue: text.lowercased()) else {
                throw QuantizerError.unknownQuantizer(text, valid: Name.allCases.map(\.rawValue))
            }
            self = name
        }
    }

    public let quantizer: Name
    /// Code width: the storage bits of each weight (1 for binary, 2 for ternary).
    public let bits: Int
    public let granularity: Granularity
    /// Clip-range search of the uniform quantizers (`.minMax` for the others).
    public let clip: ClipSearch
    /// Rounding of the uniform quantizers (`.nearest` for the others).
    public let rounding: RoundingMode
    /// Lloyd iteration cap of k-means.
    public let iterations: Int

    public static let defaultKMeansIterations = 50

    public init(_ quantizer: Name, bits: Int? = nil, granularity: Granularity = .perChannel,
                clip: ClipSearch = .minMax, rounding: RoundingMode = .nearest,
                iterations: Int? = nil) throws {
        let bits = bits ?? quantizer.defaultBits
        try QuantizerError.checkBits(bits, quantizer.allowedBits, quantizer.rawValue)
        if !quantizer.isUniform {
            if clip != .minMax {
                throw QuantizerError.invalidOption("clip applies to uniform and uniform-asym only, not \(quantizer.rawValue)")
            }
            if rounding != .nearest {
                throw QuantizerError.invalidOption("rounding applies to uniform and uniform-asym only, not \(quantizer.rawValue)")
            }
        }
        if case .percentile(let p) = clip { try ClipSearch.validate(percentile: p) }
        if let iterations {
            guard quantizer == .kmeans else {
                throw QuantizerError.invalidOption("iterations applies to kmeans only, not \(quantizer.rawValue)")
            }
            guard iterations >= 0 else { throw QuantizerError.invalidOption("iterations must be ≥ 0, got \(iterations)") }
        }
        self.quantizer = quantizer
        self.bits = bits
        self.granularity = granularity
        self.clip = clip
        self.rounding = rounding
        self.iterations = iterations ?? Self.defaultKMeansIterations
    }

    /// The quantizer this spec describes.
    public func makeQuantizer() throws -> any WeightQuantizer {
        switch quantizer {
        case .uniform: return try UniformSymmetric(bits: bits, granularity: granularity, clip: clip, rounding: rounding)
        case .uniformAsym: return try UniformAsymmetric(bits: bits, granularity: granularity, clip: clip, rounding: rounding)
        case .pow2: return try PowerOfTwo(bits: bits, granularity: granularity)
        case .kmeans: return try KMeansCodebook(bits: bits, granularity: granularity, maxIterations: iterations)
        case .binary: return Binary(granularity: granularity)
        case .ternary: return Ternary(granularity: granularity)
        }
    }

    /// The same spec at another bit width (what a bit-width search varies).
    public func with(bits: Int) throws -> QuantizerSpec {
        try QuantizerSpec(quantizer, bits: bits, granularity: granularity, clip: clip, rounding: rounding,
                          iterations: quantizer == .kmeans ? iterations : nil)
    }
}
