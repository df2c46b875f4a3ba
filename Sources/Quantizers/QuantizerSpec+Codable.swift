extension QuantizerSpec: Codable {
    enum CodingKeys: String, CodingKey {
        case quantizer, bits, granularity, clip, rounding, iterations
    }

    /// Missing keys take their defaults (bits per `Name.defaultBits`, per-channel, minmax,
    /// nearest); the decoded spec is validated like `init`.
    public init(from decoder: Decoder) throws {
        let c = try decoder.container(keyedBy: CodingKeys.self)
        let name = try c.decode(Name.self, forKey: .quantizer)
        do {
            try self.init(name,
                          bits: try c.decodeIfPresent(Int.self, forKey: .bits),
                          granularity: try c.decodeIfPresent(Granularity.self, forKey: .granularity) ?? .perChannel,
                          clip: try c.decodeIfPresent(ClipSearch.self, forKey: .clip) ?? .minMax,
                          rounding: try c.decodeIfPresent(RoundingMode.self, forKey: .rounding) ?? .nearest,
                          iterations: try c.decodeIfPresent(Int.self, forKey: .iterations))
        } catch let error as QuantizerError {
            throw DecodingError.dataCorrupted(.init(codingPath: decoder.codingPath, debugDescription: error.description))
        }
    }

    /// Writes only the keys that apply: clip for uniform kinds, rounding when stochastic,
    /// iterations for k-means.
    public func encode(to encoder: Encoder) throws {
        var c = encoder.container(keyedBy: CodingKeys.self)
        try c.encode(quantizer, forKey: .quantizer)
        try c.encode(bits, forKey: .bits)
        try c.encode(granularity, forKey: .granularity)
        if quantizer.isUniform { try c.encode(clip, forKey: .clip) }
        if rounding != .nearest { try c.encode(rounding, forKey: .rounding) }
        if quantizer == .kmeans { try c.encode(iterations, forKey: .iterations) }
    }
}
