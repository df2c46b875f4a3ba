import Foundation

/// Per-channel input normalization: `x = (pixel / 255 − mean[c]) / std[c]`.
///
/// Models are trained on normalized inputs, and a quantized model is only comparable to its
/// float reference when both see exactly the same tensors, so the statistics live in one
/// value that the CLI parses once and every evaluation reuses. `mean` and `std` are in the
/// [0, 1] pixel scale that PyTorch's `ToTensor` + `Normalize` use. A single value applies to
/// every channel.
public struct Normalization: Sendable, Equatable, CustomStringConvertible {
    public let mean: [Float]
    public let std: [Float]

    /// Validates and stores the statistics.
    ///
    /// Each list must hold at least one value; if both hold more than one, they must agree in
    /// length. Every std must be finite and > 0 (it is a divisor); every mean finite.
    public init(mean: [Float], std: [Float]) throws {
        guard !mean.isEmpty else { throw DatasetError("normalization", "mean needs at least one value") }
        guard !std.isEmpty else { throw DatasetError("normalization", "std needs at least one value") }
        if mean.count > 1, std.count > 1, mean.count != std.count {
            throw DatasetError("normalization",
                               "mean has \(mean.count) values but std has \(std.count) (give 1 or one per channel)")
        }
        for (i, m) in mean.enumerated() where !m.isFinite {
            throw DatasetError("normalization", "mean value \(i + 1) is \(m) (must be finite)")
        }
        for (i, s) in std.enumerated() where !(s.isFinite && s > 0) {
            throw DatasetError("normalization", "std value \(i + 1) is \(s) (must be finite and > 0)")
        }
        self.mean = mean
        self.std = std
    }

    /// Stores already-valid constants; for the built-in presets only.
    private init(unchecked mean: [Float], _ std: [Float]) {
        self.mean = mean
        self.std = std
    }

    /// Parses comma-separated lists such as `"0.4914,0.4822,0.4465"`.
    public init(mean: String, std: String) throws {
        try self.init(mean: Normalization.parseValues(mean, name: "mean"),
                      std: Normalization.parseValues(std, name: "std"))
    }

    /// Parses `"a,b,c"` (spaces allowed) into floats, naming the bad entry on failure.
    public static func parseValues(_ text: String, name: String) throws -> [Float] {
        let subject = "\(name) '\(text)'"
        let parts = text.split(separator: ",", omittingEmptySubsequences: false)
            .map { $0.trimmingCharacters(in: .whitespaces) }
        guard !(parts.count == 1 && parts[0].isEmpty) else {
            throw DatasetError(subject, "expected comma-separated numbers, got nothing")
        }
        return try parts.enumerated().map { index, part in
            guard let value = Float(part), value.isFinite else {
                throw DatasetError(subject, "entry \(index + 1) '\(part)' is not a finite number")
            }
            return value
        }
    }

    /// Mean 0, std 1: the network sees `pixel / 255`.
    public static func identity(channels: Int = 1) -> Normalization {
        Normalization(unchecked: Array(repeating: 0, count: max(channels, 1)),
                      Array(repeating: 1, count: max(channels, 1)))
    }

    /// The usual CIFAR-10 training-set statistics (RGB).
    public static let cifar10 = Normalization(unchecked: [0.4914, 0.4822, 0.4465], [0.2471, 0.2435, 0.2616])
    /// The usual MNIST statistics (grayscale).
    public static let mnist = Normalization(unchecked: [0.1307], [0.3081])
    /// The usual Fashion-MNIST statistics (grayscale).
    public static let fashionMNIST = Normalization(unchecked: [0.2860], [0.3530])

    /// One mean and one std per channel, repeating single values.
    ///
    /// Call this once when the dataset is known so a mismatch (RGB statistics on a grayscale
    /// dataset) is a clear error instead of a precondition failure inside `batch`.
    public func broadcast(to channels: Int) throws -> Normalization {
        guard channels > 0 else { throw DatasetError("normalization", "channel count must be positive") }
        func expand(_ values: [Float], _ name: String) throws -> [Float] {
            if values.count == channels { return values }
            if values.count == 1 { return Array(repeating: values[0], count: channels) }
            throw DatasetError("normalization",
                               "\(name) has \(values.count) values but the images have \(channels) channel\(channels == 1 ? "" : "s") (give 1 or \(channels))")
        }
        return Normalization(unchecked: try expand(mean, "mean"), try expand(std, "std"))
    }

    public var description: String {
        func list(_ v: [Float]) -> String { v.map { "\($0)" }.joined(separator: ",") }
        return "mean=\(list(mean)) std=\(list(std))"
    }
}

