import TensorMath

/// Points where a caller can look at or change values while a graph runs.
///
/// The quantization simulator uses `transformInput` to fake-quantize the activations that
/// enter weight layers, calibration uses `observeInput` to collect their statistics, and
/// per-layer metrics use `observeOutput`. Hooks see node indices of `Executor.graph`.
public struct ExecutionHooks {
    /// Replaces input `slot` of node `node` just before the node runs.
    public var transformInput: ((_ node: Int, _ slot: Int, _ value: Tensor) -> Tensor)?
    /// Sees input `slot` of node `node` (after any transform).
    public var observeInput: ((_ node: Int, _ slot: Int, _ value: Tensor) -> Void)?
    /// Sees the first output of node `node`.
    public var observeOutput: ((_ node: Int, _ value: Tensor) -> Void)?
    /// Replaces the first output of node `node` (after `observeOutput`); statistics
    /// correction uses it to re-center quantized layers while the pass runs.
    public var transformOutput: ((_ node: Int, _ value: Tensor) -> Tensor)?
    /// Restricts the hooks to these nodes (nil = all); lets the executor skip the calls elsewhere.
    public var nodes: Set<Int>?

    public init(transformInput: ((Int, Int, Tensor) -> Tensor)? = nil,
                observeInput: ((Int, Int, Tensor) -> Void)? = nil,
                observeOutput: ((Int, Tensor) -> Void)? = nil,
                transformOutput: ((Int, Tensor) -> Tensor)? = nil,
                nodes: Set<Int>? = nil) {
        self.transformOutput = transformOutput
        self.transformInput = transformInput; self.observeInput = observeInput
        self.observeOutput = observeOutput; self.nodes = nodes
    }
}
