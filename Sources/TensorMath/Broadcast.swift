/// NumPy-style broadcasting of two shapes, as ONNX's elementwise operators define it.
public enum Broadcast {
    /// The broadcast result shape, or nil when the shapes are incompatible.
    public static func shape(_ a: [Int], _ b: [Int]) -> [Int]? {
        let r = max(a.count, b.count)
        var out = [Int](repeating: 1, count: r)
        for i in 0..<r {
            let da = i < r - a.count ? 1 : a[i - (r - a.count)]
            let db = i < r - b.count ? 1 : b[i - (r - b.count)]
            if da == db || db == 1 { out[i] = da } else if da == 1 { out[i] = db } else { return nil }
        }
        return out
    }

    /// Element strides of `shape` viewed inside `target` (0 on broadcast axes).
    static func strides(of shape: [Int], in target: [Int]) -> [Int] {
        let r = target.count
        var strides = [Int](repeating: 0, count: r)
        var s = 1
        for i in stride(from: r - 1, through: 0, by: -1) {
            let j = i - (r - shape.count)
            if j >= 0 {
                if shape[j] != 1 { strides[i] = s }
                s *= shape[j]
            }
        }
        return strides
    }
}

/// Elementwise binary operators with broadcasting.
public enum BinaryOp: Sendable {
    case add, sub, mul, div

    @inline(__always) public func apply(_ a: Float, _ b: Float) -> Float {
        switch self {
        case .add: return a + b
        case .sub: return a - b
        case .mul: return a * b
        case .div: return a / b
        }
    }

    /// `p[i] = p[i] op q[i]` for i in 0..<count: the switch outside the loop, so each loop
    /// vectorizes (a per-element switch kept a residual Add at scalar speed).
    public func apply(inPlace p: UnsafeMutablePointer<Float>, _ q: UnsafePointer<Float>, count: Int) {
        switch self {
        case .add: for i in 0..<count { p[i] += q[i] }
        case .sub: for i in 0..<count { p[i] -= q[i] }
        case .mul: for i in 0..<count { p[i] *= q[i] }
        case .div: for i in 0..<count { p[i] /= q[i] }
        }
    }
}

extension Tensor {
    /// `self op other` with NumPy broadcasting. Shapes must be compatible (callers validate).
    public func elementwise(_ op: BinaryOp, _ other: Tensor) -> Tensor {
        guard let outShape = Broadcast.shape(shape, other.shape) else {
            preconditionFailure("elementwise: shapes \(shape) and \(other.shape) do not broadcast")
        }
        var out = Tensor(zeros: outShape)
        let total = out.count
        if total == 0 { return out }
        data.withUnsafeBufferPointer { a in
        other.data.withUnsafeBufferPointer { b in
        out.data.withUnsafeMutableBufferPointer { o in
            if shape == other.shape {
                for i in 0..<total { o[i] = op.apply(a[i], b[i]) }
            } else if other.count == 1 {
                let bv = b[0]; for i in 0..<total { o[i] = op.apply(a[i], bv) }
            } else if count == 1 {
                let av = a[0]; for i in 0..<total { o[i] = op.apply(av, b[i]) }
            } else {
                // General case: iterate the output by its innermost axis, carrying offsets.
                let sa = Broadcast.strides(of: shape, in: outShape)
                let sb = Broadcast.strides(of: other.shape, in: outShape)
                let r = outShape.count
                let inner = outShape[r - 1], ia = sa[r - 1], ib = sb[r - 1]
                var idx = [Int](repeating: 0, count: r)
                var pos = 0
                while pos < total {
                    var oa = 0, ob = 0
                    for d in 0..<(r - 1) { oa += idx[d] * sa[d]; ob += idx[d] * sb[d] }
                    for j in 0..<inner { o[pos + j] = op.apply(a[oa + j * ia], b[ob + j * ib]) }
                    pos += inner
                    var d = r - 2
                    while d >= 0 { idx[d] += 1; if idx[d] < outShape[d] { break }; idx[d] = 0; d -= 1 }
                }
            }
        }}}
        return out
    }

    /// Applies `f` to every element.
    public func map(_ f: (Float) -> Float) -> Tensor {
        var out = self
        out.data.withUnsafeMutableBufferPointer { p in for i in 0..<p.count { p[i] = f(p[i]) } }
        return out
    }
}
