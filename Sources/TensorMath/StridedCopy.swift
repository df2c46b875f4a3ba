/// Row-at-a-time strided copies over row-major arrays of any element type: the one
/// implementation behind float tensors (`Tensor.sliced`, `.transposed`, constant `.padded`)
/// and the integer engine's u8 codes (`IntegerProgram.slice`, `.pad`). `@inlinable` so each
/// caller gets a copy specialized to its element type (a generic copy through value witnesses
/// would be several times slower).
public enum StridedCopy {
    /// `dst` (row-major over `outShape`) = `src[base + Σ idx[d]·sourceStrides[d]]`, one row
    /// (the last axis) at a time: a block copy when the last stride is 1. Rows are split over
    /// threads for large outputs; it is a copy, so the split cannot change a value.
    @inlinable
    public static func gather<T>(from src: UnsafePointer<T>, base: Int, sourceStrides: [Int], outShape: [Int],
                                 into dst: UnsafeMutablePointer<T>) {
        let r = outShape.count
        let total = outShape.reduce(1, *)
        if total == 0 { return }
        if r == 0 { dst[0] = src[base]; return }
        let inner = outShape[r - 1], innerStride = sourceStrides[r - 1]
        let rows = total / inner
        Parallel.forRanges(rows, minChunk: max(1, Parallel.elementwiseGrain / inner)) { range in
            // The multi-index of the range's first row (axes 0..<r-1, last fastest).
            var idx = [Int](repeating: 0, count: r)
            var rest = range.lowerBound
            for d in stride(from: r - 2, through: 0, by: -1) { idx[d] = rest % outShape[d]; rest /= outShape[d] }
            for row in range {
                var off = base
                for d in 0..<(r - 1) { off += idx[d] * sourceStrides[d] }
                let pos = row * inner
                if innerStride == 1 {
                    (dst + pos).update(from: src + off, count: inner)
                } else {
                    for j in 0..<inner { dst[pos + j] = src[off + j * innerStride] }
                }
                var d = r - 2
                while d >= 0 { idx[d] += 1; if idx[d] < outShape[d] { break }; idx[d] = 0; d -= 1 }
            }
        }
    }

    /// Copies every row (the last axis) of `src`, a row-major array of `shape`, into `dst`,
    /// row-major over `outShape`, moved by `offsets[d] ≥ 0` along each axis: constant padding
    /// once `dst` holds the pad value (what is not a copied row is left untouched).
    @inlinable
    public static func scatterRows<T>(from src: UnsafePointer<T>, shape: [Int], offsets: [Int], outShape: [Int],
                                      into dst: UnsafeMutablePointer<T>) {
        let r = shape.count
        let count = shape.reduce(1, *)
        if count == 0 { return }
        if r == 0 { dst[0] = src[0]; return }
        let outStrides = Tensor.strides(outShape)
        let inner = shape[r - 1], rows = count / inner
        var idx = [Int](repeating: 0, count: r - 1)
        for row in 0..<rows {
            var off = offsets[r - 1]
            for d in 0..<(r - 1) { off += (idx[d] + offsets[d]) * outStrides[d] }
            (dst + off).update(from: src + row * inner, count: inner)
            var d = r - 2
            while d >= 0 { idx[d] += 1; if idx[d] < shape[d] { break }; idx[d] = 0; d -= 1 }
        }
    }
}
