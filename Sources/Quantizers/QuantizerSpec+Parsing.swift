import Foundation
extension QuantizerSpec: CustomStringConvertible {
    /// Parses the CLI short form
    ///
    ///     <name>[:<bits>][,<option>]...
    ///
    /// name: uniform | uniform-asym | pow2 | kmeans | binary | ternary; options:
    /// `per-tensor` | `per-channel` (default per-channel), `clip=minmax|percentile:<p>|mse`,
    /// `seed=<UInt64>` (stochastic rounding), `iterations=<n>` (k-means).
    /// Examples: `uniform:4,clip=mse`, `uniform-asym:8,per-tensor,clip=percentile:99.99`,
    /// `kmeans:3`, `binary`, `ternary,per-tensor`.
    public init(parsing text: String) throws {
        let tokens = text.split(separator: ",", omittingEmptySubsequences: false).map {
            String($0).trimmingCharacters(in: .whitespaces)
        }
        guard let head = tokens.first, !head.isEmpty else {
            throw QuantizerError.invalidOption("empty quantizer spec")
        }
        let headParts = head.split(separator: ":", maxSplits: 1).map(String.init)
        let name = try Name(parsing: headParts[0])
        var bits: Int?
        if headParts.count == 2 {
            guard let b = Int(headParts[1]) else { throw QuantizerError.invalidOption("bits '\(headParts[1])' in '\(text)'") }
            bits = b
        }
        var granularity = Granularity.perChannel
        var clip = ClipSearch.minMax
        var rounding = RoundingMode.nearest
        var iterations: Int?
        for token in tokens.dropFirst() {
            if let g = try? Granularity(parsing: token) { granularity = g; continue }
            let kv = token.split(separator: "=", maxSplits: 1).map(String.init)
            guard kv.count == 2 else { throw QuantizerError.invalidOption("'\(token)' in '\(text)'") }
            switch kv[0].lowercased() {
            case "clip": clip = try ClipSearch(parsing: kv[1])
            case "seed":
                guard let seed = UInt64(kv[1]) else { throw QuantizerError.invalidOption("seed '\(kv[1])'") }
                rounding = .stochastic(seed: seed)
            case "rounding": rounding = try RoundingMode(parsing: kv[1])
            case "bits":
                guard let b = Int(kv[1]) else { throw QuantizerError.invalidOption("bits '\(kv[1])'") }
                bits = b
            case "iterations":
                guard let n = Int(kv[1]) else { throw QuantizerError.invalidOption("iterations '\(kv[1])'") }
                iterations = n
            default:
                throw QuantizerError.invalidOption("'\(kv[0])' in '\(text)'; valid: per-tensor, per-channel, clip=, seed=, iterations=")
            }
        }
        try self.init(name, bits: bits, granularity: granularity, clip: clip, rounding: rounding, iterations: iterations)
    }

    /// Builds a spec from separate CLI options (`--quantizer`, `--bits`, `--granularity`, `--clip`).
    public init(name: String, bits: Int? = nil, granularity: String? = nil, clip: String? = nil) throws {
        try self.init(try Name(parsing: name), bits: bits,
                      granularity: try granularity.map(Granularity.init(parsing:)) ?? .perChannel,
                      clip: try clip.map(ClipSearch.init(parsing:)) ?? .minMax)
    }

    /// The canonical short form; `QuantizerSpec(parsing: spec.description) == spec`.
    public var description: String {
        var parts = ["\(quantizer.rawValue):\(bits)", granularity.rawValue]
        if quantizer.isUniform { parts.append("clip=\(clip.text)") }
        if case .stochastic(let seed) = rounding { parts.append("seed=\(seed)") }
        if quantizer == .kmeans { parts.append("iterations=\(iterations)") }
        return parts.joined(separator: ",")
    }
}
