import Foundation

/// Matrix products, activations, reductions and softmax.
extension Tensor {
    /// 2-D GEMM: alpha · op(A) · op(B) (+ beta · C broadcast to [M, N]).
    public static func gemm(_ a: Tensor, _ b: Tensor, c: Tensor?, alpha: Float = 1, beta: Float = 1,
                            transA: Bool = false, transB: Bool = false) -> Tensor {
        let m = transA ? a.shape[1] : a.shape[0], k = transA ? a.shape[0] : a.shape[1]
        let n = transB ? b.shape[0] : b.shape[1]
        var out: Tensor
        if let c, beta != 0 {
            out = Tensor(zeros: [m, n]).elementwise(.add, c)
            if beta != 1 { out = out.map { $0 * beta } }
        } else {
            out = Tensor(zeros: [m, n])
        }
        if m == 0 || n == 0 { return out }
        a.data.withUnsafeBufferPointer { pa in
        b.data.withUnsafeBufferPointer { pb in
        out.data.withUnsafeMutableBufferPointer { po in
            // Split rows across threads: for a classifier head M is the batch.
            Parallel.forRanges(m, minChunk: 16) { rows in
                let aOff = transA ? rows.lowerBound : rows.lowerBound * a.shape[1]
                BLAS.sgemm(transA: transA, transB: transB, m: rows.count, n: n, k: k, alpha: alpha,
                           a: pa.baseAddress! + aOff, lda: a.shape[1], b: pb.baseAddress!, ldb: b.shape[1],
                           beta: 1, c: po.baseAddress! + rows.lowerBound * n, ldc: n)
            }
        }}}
        return out
    }

    /// NumPy matmul for rank ≥ 2 with broadcast batch dimensions (a 1-D operand is promoted).
    public static func matmul(_ a: Tensor, _ b: Tensor) -> Tensor {
        var a = a, b = b
        let aVec = a.rank == 1, bVec = b.rank == 1
        if aVec { a = a.reshaped([1, a.shape[0]]) }
        if bVec { b = b.reshaped([b.shape[0], 1]) }
        let m = a.shape[a.rank - 2], k = a.shape[a.rank - 1], n = b.shape[b.rank - 1]
        let batchA = Array(a.shape.dropLast(2)), batchB = Array(b.shape.dropLast(2))
        let batch = Broadcast.shape(batchA, batchB) ?? []
        var outShape = batch + [m, n]
        var out = Tensor(zeros: outShape)
        let count = batch.reduce(1, *)
        let sa = Broadcast.strides(of: batchA, in: batch), sb = Broadcast.strides(of: batchB, in: batch)
        a.data.withUnsafeBufferPointer { pa in
        b.data.withUnsafeBufferPointer { pb in
        out.data.withUnsafeMutableBufferPointer { po in
            Parallel.forEach(count) { i in
                var rem = i, ia = 0, ib = 0
                for d in stride(from: batch.count - 1, through: 0, by: -1) {
                    let idx = rem % batch[d]; rem /= batch[d]
                    ia += idx * sa[d]; ib += idx * sb[d]
                }
                BLAS.sgemm(m: m, n: n, k: k, a: pa.baseAddress! + ia * m * k, lda: k,
                           b: pb.baseAddress! + ib * k * n, ldb: n, c: po.baseAddress! + i * m * n, ldc: n)
            }
        }}}
        if aVec { outShape.remove(at: outShape.count - 2) }
        if bVec { outShape.removeLast() }
        return out.reshaped(outShape)
    }

    /// Softmax along `axis` (numerically stabilized by the row maximum).
    public func softmax(axis: Int) -> Tensor {
        let outer = shape[..<axis].reduce(1, *), n = shape[axis], inner = shape[(axis + 1)...].reduce(1, *)
        var out = self
        out.data.withUnsafeMutableBufferPointer { p in
            for o in 0..<outer {
                for i in 0..<inner {
                    let base = o * n * inner + i
                    var m = -Float.infinity
                    for j in 0..<n { m = Swift.max(m, p[base + j * inner]) }
                    var s: Float = 0
                    for j in 0..<n { let e = expf(p[base + j * inner] - m); p[base + j * inner] = e; s += e }
                    for j in 0..<n { p[base + j * inner] /= s }
                }
            }
        }
        return out
    }

    /// Mean over `axes` (normalized, sorted); `keepDims` keeps them as size 1.
    public func mean(axes: [Int], keepDims: Bool) -> Tensor {
        var reducedShape = shape
        for a in axes { reducedShape[a] = 1 }
        var out = Tensor(zeros: reducedShape)
        let outStrides = Broadcast.strides(of: reducedShape, in: shape)
        let denom = Float(axes.reduce(1) { $0 * shape[$1] })
        data.withUnsafeBufferPointer { s in
            out.data.withUnsafeMutableBufferPointer { o in
                var idx = [Int](repeating: 0, count: rank)
                for pos in 0..<count {
                    var off = 0
                    for d in 0..<rank { off += idx[d] * outStrides[d] }
                    o[off] += s[pos]
                    var d = rank - 1
                    while d >= 0 { idx[d] += 1; if idx[d] < shape[d] { break }; idx[d] = 0; d -= 1 }
                }
                for i in 0..<o.count { o[i] /= denom }
            }
        }
        if keepDims { return out }
        return out.reshaped(shape.enumerated().filter { !axes.contains($0.offset) }.map { $0.element })
    }
}
