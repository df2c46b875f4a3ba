/// One row of `bitbudget quantize`'s per-layer table: precision, size and error of a layer.
public struct LayerMetrics: Sendable {
    public var layer: QuantizableLayer
    public var spec: QuantizerSpec?
    public var activationBits: Int?
    public var bytes: Int
    public var correction: Bool?
    public var distinctLevels: Int?
    public var weightMSE: Double?
    public var weightSQNR: Double?
    public var weightCosine: Double?
    /// Layer output vs the float model's on the metric images (everything upstream quantized too).
    public var outputMSE: Double?
    public var outputSQNR: Double?
    public var outputCosine: Double?

    public init(layer: QuantizableLayer, spec: QuantizerSpec?, activationBits: Int?, bytes: Int, correction: Bool?) {
        self.layer = layer; self.spec = spec; self.activationBits = activationBits; self.bytes = bytes; self.correction = correction
    }
}

import Quantizers
