/// One candidate configuration for one layer: typically a weight bit-width.
///
/// The allocators only look at three numbers:
/// - `cost`: what the option spends from the budget (bytes, BOPs, bit·params —
///   whatever unit the caller's budget is expressed in). Costs add across layers.
/// - `score`: predicted damage of choosing this option (e.g. a Hessian-trace ×
///   quantization-noise proxy, or a measured loss increase). Scores add across
///   layers; lower is better. Scores may be negative.
/// - `bits`: the option's numeric precision, used by `BSQAllocator` to place the
///   option on a continuous bit axis and by `UniformAllocator` to rank labels.
///   Non-integer values are fine (ternary ≈ 1.58 bits even if stored on 2 bits;
///   the storage shows up in `cost`, not here).
///
/// `label` identifies the option to the caller ("4", "ternary", "fp16", …) and is
/// how `UniformAllocator` matches "the same choice" across layers.
public struct AllocationOption: Hashable, Sendable, CustomStringConvertible {
    public var label: String
    public var bits: Double
    public var cost: Double
    public var score: Double

    public init(label: String, bits: Double, cost: Double, score: Double) {
        self.label = label
        self.bits = bits
        self.cost = cost
        self.score = score
    }

    /// An integer bit-width option, labelled by its bit count ("4").
    public init(bits: Int, cost: Double, score: Double) {
        self.init(label: String(bits), bits: Double(bits), cost: cost, score: score)
    }

    public var description: String {
        "\(label) (\(formatNumber(bits)) bits, cost \(formatNumber(cost)), score \(formatNumber(score)))"
    }
}
