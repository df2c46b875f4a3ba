/// An option that round-trips through its short CLI text (`mse`, `percentile:99.9`,
/// `stochastic:7`…), so plan JSON stores exactly what a user would type and decoding
/// reuses the CLI parser's validation and error messages.
public protocol TextCodable: Codable {
    init(parsing text: String) throws
    var text: String { get }
}

extension TextCodable {
    public init(from decoder: Decoder) throws {
        let text = try decoder.singleValueContainer().decode(String.self)
        do { try self.init(parsing: text) } catch {
            throw DecodingError.dataCorrupted(.init(codingPath: decoder.codingPath, debugDescription: "\(error)"))
        }
    }

    public func encode(to encoder: Encoder) throws {
        var c = encoder.singleValueContainer()
        try c.encode(text)
    }
}
