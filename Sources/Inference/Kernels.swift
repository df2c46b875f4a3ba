import Foundation
import ModelIR
import TensorMath

/// The float semantics of each operator, with the shape checks that turn a bad model or a
/// wrong input into an `ExecutionError` instead of a trap.
enum Kernels {
    /// Applies `node` to `a`. Pointwise operators take `a[0]` out of the array and write in
    /// place, which avoids a copy whenever the executor has released the value.
    static func apply(_ node: Node, _ a: inout [Tensor?], fused: FusedActivation, opset: Int) throws -> Tensor {
        let out = try compute(node, &a, fused: fused, opset: opset)
        if case .conv = node.op { return out }  // the convolution applied it while hot
        return activate(out, fused)
    }

    /// `f` applied in place to `y` (split over threads; `FusedActivation` holds the one
    /// definition of Relu and Clip): the tail of a fused node, a Relu/Clip node, or a fused
    /// activation the executor runs after its hooks saw the node's output.
    static func activate(_ y: Tensor, _ f: FusedActivation) -> Tensor {
        if f == .none { return y }
        var out = y
        out.data.withUnsafeMutableBufferPointer { p in inPlaceRanges(p) { f.apply($0 + $1.lowerBound, $1.count) } }
        return out
    }

    /// Runs `body(base, range)` over ranges of `p` split over threads for large tensors
    /// (elementwise, so the split cannot change a value); `body` handles a whole range, so the
    /// per-value operation is inlined there rather than called through a closure per value.
    static func inPlaceRanges(_ p: UnsafeMutableBufferPointer<Float>, _ body: (UnsafeMutablePointer<Float>, Range<Int>) -> Void) {
        guard let base = p.baseAddress else { return }
        Parallel.forRanges(p.count, minChunk: Parallel.elementwiseGrain) { body(base, $0) }
    }

    static func compute(_ node: Node, _ a: inout [Tensor?], fused: FusedActivation, opset: Int) throws -> Tensor {
        func input(_ i: Int) throws -> Tensor {
            guard i < a.count, let t = a[i] else { throw ExecutionError(node: node.name, "missing input \(i)") }
            return t
        }
        func fail(_ m: String) -> ExecutionError { ExecutionError(node: node.name, m) }
        /// In-place pointwise map over the first input (taken out of `a`, so no copy when unique).
        func pointwise(_ f: (Float) -> Float) throws -> Tensor {
            guard var y = a[0].take() else { throw fail("missing input 0") }
            y.data.withUnsafeMutableBufferPointer { p in for i in 0..<p.count { p[i] = f(p[i]) } }
            return y
        }
        /// Relu or Clip in place over the first input (taken out of `a`, so no copy when unique).
        func activation(_ f: FusedActivation) throws -> Tensor {
            guard let y = a[0].take() else { throw fail("missing input 0") }
            return activate(y, f)
        }
        switch node.op {
        case .relu: return try activation(.relu)
        case let .clip(lo, hi): return try activation(.clip(min: lo, max: hi))
        case let .leakyRelu(alpha): return try pointwise { $0 >= 0 ? $0 : alpha * $0 }
        case .sigmoid: return try pointwise { 1 / (1 + expf(-$0)) }
        case let .hardSigmoid(alpha, beta): return try pointwise { min(max(alpha * $0 + beta, 0), 1) }
        case .hardSwish: return try pointwise { $0 * min(max($0 / 6 + 0.5, 0), 1) }
        case let .batchNorm(eps):
            let (scale, bias, mean, variance) = (try input(1), try input(2), try input(3), try input(4))
            guard let xs = a[0]?.shape, xs.count >= 2 else { throw fail("BatchNormalization needs rank ≥ 2 input") }
            let c = xs[1]
            guard [scale, bias, mean, variance].allSatisfy({ $0.count == c }) else {
                throw fail("BatchNormalization parameters do not match \(c) channels")
            }
            var mul = [Float](repeating: 0, count: c), add = mul
            for i in 0..<c {
                mul[i] = scale.data[i] / (variance.data[i] + eps).squareRoot()
                add[i] = bias.data[i] - mean.data[i] * mul[i]
            }
            return channelAffine(a[0].take()!, mul, add)
        case let .binary(op) where a.count == 2 && a[0] != nil && a[1] != nil && a[0]!.shape == a[1]!.shape:
            let y = a[1]!
            var z = a[0].take()!
            z.data.withUnsafeMutableBufferPointer { p in y.data.withUnsafeBufferPointer { q in
                guard let qb = q.baseAddress else { return }
                inPlaceRanges(p) { op.apply(inPlace: $0 + $1.lowerBound, qb + $1.lowerBound, count: $1.count) } } }
            return z
        default: break
        }
        let x = try input(0)
        switch node.op {
        case .relu, .clip, .leakyRelu, .sigmoid, .hardSigmoid, .hardSwish, .batchNorm:
            preconditionFailure("handled above")
        case let .conv(g, groups):
            let w = try input(1)
            guard x.rank == 4, w.rank == 4 else { throw fail("Conv expects NCHW input and 4-D weight, got \(x.shape) and \(w.shape)") }
            guard groups > 0, x.shape[1] == w.shape[1] * groups, w.shape[0] % groups == 0 else {
                throw fail("Conv input has \(x.shape[1]) channels but weight \(w.shape) with group=\(groups) expects \(w.shape[1] * groups)")
            }
            let b = a.count > 2 ? a[2] : nil
            if let b, b.count != w.shape[0] { throw fail("Conv bias has \(b.count) values for \(w.shape[0]) output channels") }
            let (oh, ow) = g.outputSize(height: x.shape[2], width: x.shape[3])
            guard oh > 0, ow > 0 else { throw fail("Conv output would be empty for input \(x.shape)") }
            return Convolution.forward(x, weight: w, bias: b, geometry: g, groups: groups, activation: fused)
        case let .maxPool(g, ceil):
            guard x.rank == 4 else { throw fail("MaxPool supports 2-D (NCHW) input, got \(x.shape)") }
            return Pooling.max(x, geometry: g, ceilMode: ceil)
        case let .averagePool(g, ceil, includePad):
            guard x.rank == 4 else { throw fail("AveragePool supports 2-D (NCHW) input, got \(x.shape)") }
            return Pooling.average(x, geometry: g, ceilMode: ceil, countIncludePad: includePad)
        case .globalAveragePool:
            guard x.rank >= 3 else { throw fail("GlobalAveragePool needs rank ≥ 3, got \(x.shape)") }
            return Pooling.globalAverage(x)
        case let .binary(op):
            let y = try input(1)
            guard Broadcast.shape(x.shape, y.shape) != nil else {
                throw fail("\(node.op.onnxType) shapes \(x.shape) and \(y.shape) do not broadcast")
            }
            return x.elementwise(op, y)
        case let .concat(axis):
            let parts = try (0..<a.count).map { try input($0) }
            let ax = try normalize(axis, rank: x.rank, node)
            for p in parts where p.rank != x.rank || (0..<x.rank).contains(where: { $0 != ax && p.shape[$0] != x.shape[$0] }) {
                throw fail("Concat inputs \(x.shape) and \(p.shape) differ outside axis \(axis)")
            }
            return Tensor.concatenate(parts, axis: ax)
        case let .pad(pads, mode, value):
            guard pads.count == 2 * x.rank else { throw fail("Pad has \(pads.count) pad values for rank \(x.rank)") }
            return x.padded(pads, mode: mode, value: value)
        case let .slice(starts, ends, axes, steps):
            return try slice(x, starts, ends, axes, steps, node)
        case let .flatten(axis):
            let ax = axis < 0 ? axis + x.rank : axis
            guard ax >= 0, ax <= x.rank else { throw fail("Flatten axis \(axis) out of range for \(x.shape)") }
            return x.reshaped([x.shape[..<ax].reduce(1, *), x.shape[ax...].reduce(1, *)])
        case let .reshape(shape, allowZero):
            return try reshape(x, shape, allowZero, node)
        case let .transpose(perm):
            let p = perm ?? Array((0..<x.rank).reversed())
            guard p.sorted() == Array(0..<x.rank) else { throw fail("Transpose perm \(p) does not fit rank \(x.rank)") }
            return x.transposed(p)
        case let .squeeze(axes):
            let ax = try (axes ?? x.shape.indices.filter { x.shape[$0] == 1 }).map { try normalize($0, rank: x.rank, node) }
            for d in ax where x.shape[d] != 1 { throw fail("Squeeze axis \(d) has size \(x.shape[d]), not 1") }
            return x.reshaped(x.shape.enumerated().filter { !ax.contains($0.offset) }.map { $0.element })
        case let .unsqueeze(axes):
            let r = x.rank + axes.count
            let ax = try axes.map { try normalize($0, rank: r, node) }.sorted()
            var s = x.shape
            for d in ax { s.insert(1, at: d) }
            return x.reshaped(s)
        case let .gemm(alpha, beta, transA, transB):
            var A = x
            let B = try input(1)
            if A.rank > 2 { A = A.reshaped([A.shape[0], A.shape[1...].reduce(1, *)]) }
            guard A.rank == 2, B.rank == 2 else { throw fail("Gemm expects 2-D operands, got \(x.shape) and \(B.shape)") }
            let k = transA ? A.shape[0] : A.shape[1], kb = transB ? B.shape[1] : B.shape[0]
            guard k == kb else { throw fail("Gemm inner dimensions differ: \(A.shape)\(transA ? "ᵀ" : "") × \(B.shape)\(transB ? "ᵀ" : "")") }
            let c = a.count > 2 ? a[2] : nil
            let m = transA ? A.shape[1] : A.shape[0], n = transB ? B.shape[0] : B.shape[1]
            if let c, Broadcast.shape([m, n], c.shape) != [m, n] { throw fail("Gemm bias \(c.shape) does not broadcast to [\(m), \(n)]") }
            return Tensor.gemm(A, B, c: c, alpha: alpha, beta: beta, transA: transA, transB: transB)
        case .matMul:
            let B = try input(1)
            guard x.rank >= 1, B.rank >= 1 else { throw fail("MatMul needs rank ≥ 1 operands") }
            let k = x.shape[x.rank - 1], kb = B.rank == 1 ? B.shape[0] : B.shape[B.rank - 2]
            guard k == kb, Broadcast.shape(Array(x.shape.dropLast(2)), Array(B.shape.dropLast(2))) != nil else {
                throw fail("MatMul shapes \(x.shape) and \(B.shape) do not match")
            }
            return Tensor.matmul(x, B)
        case let .softmax(axis, coerce2D):
            let ax = try normalize(axis, rank: x.rank, node)
            if coerce2D {
                let flat = x.reshaped([x.shape[..<ax].reduce(1, *), x.shape[ax...].reduce(1, *)])
                return flat.softmax(axis: 1).reshaped(x.shape)
            }
            return x.softmax(axis: ax)
        case let .reduceMean(axes, keepDims):
            let ax = try Array(Set((axes ?? Array(0..<x.rank)).map { try normalize($0, rank: x.rank, node) })).sorted()
            return x.mean(axes: ax, keepDims: keepDims)
        case .identity: return x
        }
    }

    static func normalize(_ axis: Int, rank: Int, _ node: Node) throws -> Int {
        let a = axis < 0 ? axis + rank : axis
        guard a >= 0, a < rank else { throw ExecutionError(node: node.name, "axis \(axis) out of range for rank \(rank)") }
        return a
    }

    /// y[n,c,…] = x[n,c,…]·mul[c] + add[c].
    static func channelAffine(_ x: Tensor, _ mul: [Float], _ add: [Float]) -> Tensor {
        var y = x
        let n = x.shape[0], c = x.shape[1], plane = x.shape.dropFirst(2).reduce(1, *)
        y.data.withUnsafeMutableBufferPointer { p in
            Parallel.forEach(n) { img in
                for ch in 0..<c {
                    let base = p.baseAddress! + (img * c + ch) * plane
                    let m = mul[ch], b = add[ch]
                    for j in 0..<plane { base[j] = base[j] * m + b }
                }
            }
        }
        return y
    }

    static func slice(_ x: Tensor, _ starts: [Int], _ ends: [Int], _ axes: [Int], _ steps: [Int], _ node: Node) throws -> Tensor {
        do {
            let g = try SliceGeometry(shape: x.shape, starts: starts, ends: ends, axes: axes, steps: steps)
            return x.sliced(starts: g.starts, steps: g.steps, outShape: g.outShape)
        } catch let e as SliceGeometry.Invalid {
            throw ExecutionError(node: node.name, e.description)
        }
    }

    /// Reshape with ONNX's 0 (copy) and -1 (infer). (Files exported at a fixed batch of 1 have
    /// their literal leading 1 turned into 0 by the importer, so they evaluate batched.)
    static func reshape(_ x: Tensor, _ shape: [Int], _ allowZero: Bool, _ node: Node) throws -> Tensor {
        var s = shape
        for (i, d) in s.enumerated() where d == 0 && !allowZero {
            guard i < x.rank else { throw ExecutionError(node: node.name, "Reshape 0 at axis \(i) beyond input rank \(x.rank)") }
            s[i] = x.shape[i]
        }
        if let inf = s.firstIndex(of: -1) {
            let known = s.enumerated().filter { $0.offset != inf }.reduce(1) { $0 * $1.element }
            guard known > 0, x.count % known == 0 else {
                throw ExecutionError(node: node.name, "cannot reshape \(x.shape) to \(shape)")
            }
            s[inf] = x.count / known
        }
        guard s.reduce(1, *) == x.count, !s.contains(where: { $0 < 0 }) else {
            throw ExecutionError(node: node.name, "cannot reshape \(x.shape) (\(x.count) values) to \(shape)")
        }
        return x.reshaped(s)
    }

}
