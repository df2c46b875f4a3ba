import TensorMath

/// A weight quantizer: the one definition of a rounding rule, shared by the fake-quant
/// simulator and the integer engine.
///
/// `quantize` returns integer codes plus the parameters to dequantize them; fake
/// quantization is by definition `quantize(w).dequantized()`, so the simulator can never
/// disagree with what the engine stores.
public protocol WeightQuantizer: Sendable {
    /// Nominal bit width of one code.
    var bits: Int { get }
    var granularity: Granularity { get }
    /// Codes and parameters for `w` (conv `[Cout, ...]` or linear `[out, in]`).
    func quantize(_ w: Tensor) -> QuantizedTensor
}

extension WeightQuantizer {
    /// dequantize(quantize(w)).
    public func fakeQuantize(_ w: Tensor) -> Tensor {
        quantize(w).dequantized()
    }
}

/// Splits a tensor into parameter groups: per-channel = the contiguous slices of axis 0.
struct ChannelGroups {
    let count: Int
    let size: Int

    init(shape: [Int], elementCount: Int, granularity: Granularity) {
        if granularity == .perChannel, let first = shape.first {
            count = first
            size = first == 0 ? 0 : elementCount / first
        } else {
            count = 1
            size = elementCount
        }
    }

    func range(_ g: Int) -> Range<Int> { (g * size)..<((g + 1) * size) }
}
