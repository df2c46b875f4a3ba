import Foundation
import ModelIR
import Quantizers

/// A per-layer precision plan: the document `bitbudget quantize --plan`, `bitbudget search`
/// and `bitbudget run` exchange.
///
/// ```json
/// {
///   "format": "bitbudget-plan", "version": 1,
///   "model": "resnet20_cifar10.onnx",
///   "activation_calibration": "percentile:99.99",
///   "layers": [
///     {"name": "conv1", "weight": {"quantizer": "uniform", "bits": 8, "granularity": "per-channel", "clip": "mse"},
///      "activation_bits": 8},
///     {"name": "layer1.0.conv1", "weight": {"quantizer": "uniform", "bits": 3}, "activation_bits": 8}
///   ]
/// }
/// ```
/// Layers are named by their (BN-folded) Conv/Gemm node names; layers the plan omits stay
/// float. `activation_bits` (2–8, optional) quantizes the layer's input activations.
public struct QuantizationPlan: Codable, Equatable, Sendable {
    public static let formatName = "bitbudget-plan"
    public static let currentVersion = 1

    public struct Layer: Codable, Equatable, Sendable {
        public var name: String
        public var weight: QuantizerSpec
        public var activationBits: Int?

        public init(name: String, weight: QuantizerSpec, activationBits: Int? = nil) {
            self.name = name; self.weight = weight; self.activationBits = activationBits
        }

        enum CodingKeys: String, CodingKey { case name, weight, activationBits = "activation_bits" }
    }

    public var format: String = QuantizationPlan.formatName
    public var version: Int = QuantizationPlan.currentVersion
    public var model: String?
    /// How activation clip ranges are calibrated (`minmax`, `percentile:P`, `mse`, `kl`, `fixed:A`).
    public var activationCalibration: String = "percentile:99.99"
    public var layers: [Layer]

    public init(model: String? = nil, activationCalibration: String = "percentile:99.99", layers: [Layer]) {
        self.model = model; self.activationCalibration = activationCalibration; self.layers = layers
    }

    enum CodingKeys: String, CodingKey {
        case format, version, model, layers
        case activationCalibration = "activation_calibration"
    }

    public init(from decoder: Decoder) throws {
        let c = try decoder.container(keyedBy: CodingKeys.self)
        format = try c.decodeIfPresent(String.self, forKey: .format) ?? Self.formatName
        version = try c.decodeIfPresent(Int.self, forKey: .version) ?? Self.currentVersion
        model = try c.decodeIfPresent(String.self, forKey: .model)
        activationCalibration = try c.decodeIfPresent(String.self, forKey: .activationCalibration) ?? "percentile:99.99"
        layers = try c.decode([Layer].self, forKey: .layers)
    }

    /// The layer entry named `name`, if any.
    public func layer(_ name: String) -> Layer? { layers.first { $0.name == name } }

    /// Reads and validates a plan file; every problem is one line naming the file.
    public static func load(_ path: String) throws -> QuantizationPlan {
        guard let data = FileManager.default.contents(atPath: path) else { throw PlanError(file: path, "cannot be read") }
        let plan: QuantizationPlan
        do { plan = try JSONDecoder().decode(QuantizationPlan.self, from: data) } catch let e as DecodingError {
            throw PlanError(file: path, "malformed plan JSON: \(Self.describe(e))")
        } catch {
            throw PlanError(file: path, "malformed plan JSON: \(error.localizedDescription)")
        }
        try plan.validateShape(file: path)
        return plan
    }

    /// Checks the document itself (format, version, bits, duplicates, calibration).
    public func validateShape(file: String) throws {
        guard format == Self.formatName else { throw PlanError(file: file, "format is '\(format)', expected '\(Self.formatName)'") }
        guard version == Self.currentVersion else { throw PlanError(file: file, "plan version \(version) is not supported (this BitBudget reads version \(Self.currentVersion))") }
        var seen = Set<String>()
        for l in layers {
            guard seen.insert(l.name).inserted else { throw PlanError(file: file, "layer '\(l.name)' appears twice") }
            if let a = l.activationBits, !(2...8).contains(a) {
                throw PlanError(file: file, "layer '\(l.name)': activation_bits \(a) is outside 2–8")
            }
        }
        do { _ = try CalibrationMethod(parsing: activationCalibration) } catch {
            throw PlanError(file: file, "activation_calibration: \(error)")
        }
    }

    /// Checks that every layer names a quantizable layer of the model.
    public func validate(against layerNames: [String], file: String) throws {
        try validateShape(file: file)
        let known = Set(layerNames)
        for l in layers where !known.contains(l.name) {
            let close = layerNames.filter { $0.lowercased().contains(l.name.lowercased()) || l.name.lowercased().contains($0.lowercased()) }.prefix(3)
            throw PlanError(file: file, "unknown layer '\(l.name)' (the model's quantizable layers: \(close.isEmpty ? layerNames.prefix(6).joined(separator: ", ") + (layerNames.count > 6 ? ", …" : "") : "did you mean " + close.joined(separator: ", ") + "?"))")
        }
    }

    /// Writes the plan as pretty JSON via a temp file and rename (never half-written).
    public func write(to path: String) throws {
        let enc = JSONEncoder()
        enc.outputFormatting = [.prettyPrinted, .sortedKeys]
        try AtomicFile.write(try enc.encode(self) + Data("\n".utf8), to: path)
    }

    static func describe(_ e: DecodingError) -> String {
        func path(_ c: [CodingKey]) -> String { c.map { $0.intValue.map { "[\($0)]" } ?? $0.stringValue }.joined(separator: ".") }
        switch e {
        case let .dataCorrupted(c): return (c.codingPath.isEmpty ? "" : path(c.codingPath) + ": ") + c.debugDescription.replacingOccurrences(of: "\n", with: " ")
        case let .keyNotFound(k, c): return "missing key '\(k.stringValue)'" + (c.codingPath.isEmpty ? "" : " in \(path(c.codingPath))")
        case let .typeMismatch(_, c), let .valueNotFound(_, c): return "\(path(c.codingPath)): \(c.debugDescription)"
        @unknown default: return "\(e)"
        }
    }
}

/// A plan that cannot be read or applied: one line naming the file and the problem.
public struct PlanError: Error, CustomStringConvertible, Sendable {
    public let file: String
    public let message: String
    public init(file: String, _ message: String) { self.file = file; self.message = message }
    public var description: String { "\(file): \(message)" }
}
