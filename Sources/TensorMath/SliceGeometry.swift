/// ONNX Slice semantics resolved against a concrete shape: per-axis start and step, and the
/// output shape, with negative indices, clamping and negative steps as the operator defines.
/// Shared by the float executor and the training layers so both slice identically.
public struct SliceGeometry: Equatable, Sendable {
    public var starts: [Int]
    public var steps: [Int]
    public var outShape: [Int]

    /// A malformed slice (the message says what); callers add the node name.
    public struct Invalid: Error, CustomStringConvertible { public let description: String }

    public init(shape: [Int], starts: [Int], ends: [Int], axes: [Int], steps: [Int]) throws {
        let rank = shape.count
        var st = [Int](repeating: 0, count: rank), sp = [Int](repeating: 1, count: rank), out = shape
        guard starts.count == ends.count, axes.isEmpty || axes.count == starts.count, steps.isEmpty || steps.count == starts.count else {
            throw Invalid(description: "Slice starts/ends/axes/steps lengths differ")
        }
        for i in 0..<starts.count {
            var ax = axes.isEmpty ? i : axes[i]
            if ax < 0 { ax += rank }
            guard ax >= 0, ax < rank else { throw Invalid(description: "Slice axis \(axes.isEmpty ? i : axes[i]) out of range for rank \(rank)") }
            let step = steps.isEmpty ? 1 : steps[i]
            guard step != 0 else { throw Invalid(description: "Slice step 0") }
            let dim = shape[ax]
            func clampIndex(_ v: Int, _ lo: Int, _ hi: Int) -> Int { min(max(v < 0 ? v + dim : v, lo), hi) }
            let s: Int, e: Int
            if step > 0 {
                s = clampIndex(starts[i], 0, dim); e = clampIndex(ends[i], 0, dim)
                out[ax] = max(0, (e - s + step - 1) / step)
            } else {
                s = clampIndex(starts[i], 0, dim - 1)
                e = ends[i] < -dim ? -1 : clampIndex(ends[i], -1, dim - 1)
                out[ax] = max(0, (s - e + (-step) - 1) / (-step))
            }
            st[ax] = s; sp[ax] = step
        }
        self.starts = st; self.steps = sp; self.outShape = out
    }
}
