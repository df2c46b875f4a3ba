/// Data-movement operators: transpose, slice, pad, concat. All N-dimensional, row-major.
extension Tensor {
    /// Row-major element strides of `shape`.
    public static func strides(_ shape: [Int]) -> [Int] {
        var s = [Int](repeating: 1, count: shape.count)
        var acc = 1
        for i in stride(from: shape.count - 1, through: 0, by: -1) { s[i] = acc; acc *= shape[i] }
        return s
    }

    /// Permutes axes: output axis i is input axis `perm[i]`.
    public func transposed(_ perm: [Int]) -> Tensor {
        let outShape = perm.map { shape[$0] }
        let inStrides = Tensor.strides(shape)
        let src = perm.map { inStrides[$0] }
        return gather(outShape: outShape, sourceStrides: src, base: 0)
    }

    /// Strided view copy: `starts`/`steps` per axis (already normalized), output shape given.
    public func sliced(starts: [Int], steps: [Int], outShape: [Int]) -> Tensor {
        let inStrides = Tensor.strides(shape)
        var base = 0
        for d in 0..<rank { base += starts[d] * inStrides[d] }
        let src = (0..<rank).map { inStrides[$0] * steps[$0] }
        return gather(outShape: outShape, sourceStrides: src, base: base)
    }

    /// Copies elements addressed by `base + Σ idx[d]·sourceStrides[d]` into a new tensor
    /// (`StridedCopy.gather`: row by row, split over threads for large outputs).
    private func gather(outShape: [Int], sourceStrides: [Int], base: Int) -> Tensor {
        var out = Tensor(uninitialized: outShape)
        data.withUnsafeBufferPointer { s in
            out.data.withUnsafeMutableBufferPointer { o in
                guard let src = s.baseAddress, let dst = o.baseAddress else { return }
                StridedCopy.gather(from: src, base: base, sourceStrides: sourceStrides, outShape: outShape, into: dst)
            }
        }
        return out
    }

    /// Padding modes ONNX's Pad supports.
    public enum PadMode: String, Sendable { case constant, reflect, edge }

    /// Pads (or, with negative amounts, crops) each axis: `pads` = [begin_0…begin_r, end_0…end_r].
    public func padded(_ pads: [Int], mode: PadMode = .constant, value: Float = 0) -> Tensor {
        let r = rank
        let outShape = (0..<r).map { shape[$0] + pads[$0] + pads[$0 + r] }
        var out = Tensor(repeating: mode == .constant ? value : 0, shape: outShape)
        let total = out.count
        if total == 0 { return out }
        if mode == .constant && r > 0 && pads.allSatisfy({ $0 >= 0 }) {
            // Constant padding only moves whole innermost rows: one copy per input row
            // (ResNet's option-A shortcut pads channels of every image this way).
            data.withUnsafeBufferPointer { s in
                out.data.withUnsafeMutableBufferPointer { o in
                    guard let src = s.baseAddress, let dst = o.baseAddress else { return }
                    StridedCopy.scatterRows(from: src, shape: shape, offsets: Array(pads[0..<r]), outShape: outShape, into: dst)
                }
            }
            return out
        }
        let inStrides = Tensor.strides(shape)
        data.withUnsafeBufferPointer { s in
            out.data.withUnsafeMutableBufferPointer { o in
                var idx = [Int](repeating: 0, count: r)
                for pos in 0..<total {
                    var off = 0
                    var inside = true
                    for d in 0..<r {
                        var i = idx[d] - pads[d]
                        let n = shape[d]
                        if i < 0 || i >= n {
                            switch mode {
                            case .constant: inside = false
                            case .edge: i = Swift.min(Swift.max(i, 0), n - 1)
                            case .reflect:
                                if n == 1 { i = 0 } else {
                                    let period = 2 * (n - 1)
                                    i = ((i % period) + period) % period
                                    if i >= n { i = period - i }
                                }
                            }
                        }
                        if !inside { break }
                        off += i * inStrides[d]
                    }
                    if inside { o[pos] = s[off] }
                    var d = r - 1
                    while d >= 0 { idx[d] += 1; if idx[d] < outShape[d] { break }; idx[d] = 0; d -= 1 }
                }
            }
        }
        return out
    }

    /// Concatenates tensors along `axis` (all other dimensions equal).
    public static func concatenate(_ parts: [Tensor], axis: Int) -> Tensor {
        var outShape = parts[0].shape
        outShape[axis] = parts.reduce(0) { $0 + $1.shape[axis] }
        var out = Tensor(zeros: outShape)
        let outer = outShape[..<axis].reduce(1, *)
        let innerOut = outShape[axis...].reduce(1, *)
        out.data.withUnsafeMutableBufferPointer { o in
            var offset = 0
            for p in parts {
                let chunk = p.shape[axis...].reduce(1, *)
                p.data.withUnsafeBufferPointer { s in
                    for i in 0..<outer {
                        (o.baseAddress! + i * innerOut + offset).update(from: s.baseAddress! + i * chunk, count: chunk)
                    }
                }
                offset += chunk
            }
        }
        return out
    }
}
