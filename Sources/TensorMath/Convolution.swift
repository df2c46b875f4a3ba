/// A pointwise activation that a producer (convolution, GEMM) can apply in place while its
/// output is still in cache, instead of a separate pass over memory.
public enum FusedActivation: Sendable, Equatable {
    case none
    case relu
    case clip(min: Float, max: Float)

    @inline(__always)
    public func apply(_ p: UnsafeMutablePointer<Float>, _ count: Int) {
        switch self {
        case .none: return
        case .relu: for i in 0..<count where p[i] < 0 { p[i] = 0 }
        case let .clip(lo, hi): for i in 0..<count { p[i] = Swift.min(Swift.max(p[i], lo), hi) }
        }
    }
}

/// 2-D convolution over NCHW tensors as im2col + `cblas_sgemm`.
///
/// Weights are [Cout, Cin/groups, kh, kw] (ONNX layout). Work is split over images when
/// the batch is at least the thread count, and over output columns of one image otherwise
/// (batch 1), so both cores are busy in either regime.
public enum Convolution {
    public static func forward(_ input: Tensor, weight: Tensor, bias: Tensor?, geometry g: Conv2DGeometry,
                               groups: Int = 1, activation: FusedActivation = .none) -> Tensor {
        precondition(input.rank == 4 && weight.rank == 4, "Convolution: NCHW input and 4-D weight required")
        let (n, cin, h, w) = (input.shape[0], input.shape[1], input.shape[2], input.shape[3])
        let g = g.resolved(height: h, width: w)
        let cout = weight.shape[0]
        let cinG = cin / groups, coutG = cout / groups
        precondition(weight.shape[1] == cinG && weight.shape[2] == g.kernelH && weight.shape[3] == g.kernelW)
        let (oh, ow) = g.outputSize(height: h, width: w)
        let plane = oh * ow
        let k = cinG * g.kernelH * g.kernelW
        var out = Tensor(uninitialized: [n, cout, oh, ow])
        if n == 0 || plane == 0 { return out }
        // A 1×1, stride-1, unpadded kernel reads the input planes as the column matrix directly.
        let direct = g.kernelH == 1 && g.kernelW == 1 && g.strideH == 1 && g.strideW == 1
            && g.padTop == 0 && g.padLeft == 0 && g.padBottom == 0 && g.padRight == 0
        let threads = Parallel.threadCount
        let columnSplit = n < threads ? threads : 1
        let biasData = bias?.data

        input.data.withUnsafeBufferPointer { xBuf in
        weight.data.withUnsafeBufferPointer { wBuf in
        out.data.withUnsafeMutableBufferPointer { yBuf in
            let x = xBuf.baseAddress!, wt = wBuf.baseAddress!, y = yBuf.baseAddress!
            // Shared column matrix per image when splitting columns (batch < threads).
            let items = n * columnSplit
            if columnSplit > 1 {
                let cols = direct ? nil : UnsafeMutablePointer<Float>.allocate(capacity: k * plane)
                defer { cols?.deallocate() }
                for img in 0..<n {
                    for grp in 0..<groups {
                        let xin = x + (img * cin + grp * cinG) * h * w
                        if let cols { Im2Col.unfold(input: xin, channels: cinG, height: h, width: w,
                                                    geometry: g, outH: oh, outW: ow, into: cols) }
                        let bmat = UnsafePointer(cols) ?? xin
                        let yout = y + (img * cout + grp * coutG) * plane
                        Parallel.forEach(columnSplit) { part in
                            let j0 = plane * part / columnSplit, j1 = plane * (part + 1) / columnSplit
                            if j1 <= j0 { return }
                            BLAS.sgemm(m: coutG, n: j1 - j0, k: k, a: wt + grp * coutG * k, lda: k,
                                       b: bmat + j0, ldb: plane, c: yout + j0, ldc: plane)
                            for oc in 0..<coutG {
                                let row = yout + oc * plane + j0
                                epilogue(row, j1 - j0, bias: biasData?[grp * coutG + oc], activation)
                            }
                        }
                    }
                }
                return
            }
            // Several small images side by side in one column matrix keep GEMM's N near
            // 1024, where OpenBLAS runs at full speed (an 8×8 plane alone gives N = 64).
            let group = max(1, min(n, 1024 / plane))
            let blocks = (n + group - 1) / group
            Parallel.forRanges(blocks) { range in
                let width = group * plane
                let cols = direct && group == 1 ? nil : UnsafeMutablePointer<Float>.allocate(capacity: k * width)
                let tmp = group > 1 ? UnsafeMutablePointer<Float>.allocate(capacity: coutG * width) : nil
                defer { cols?.deallocate(); tmp?.deallocate() }
                for blk in range {
                    let first = blk * group, count = min(group, n - first)
                    for grp in 0..<groups {
                        for j in 0..<count {
                            let xin = x + ((first + j) * cin + grp * cinG) * h * w
                            guard let cols else { continue }
                            if direct {
                                for r in 0..<cinG { (cols + r * width + j * plane).update(from: xin + r * plane, count: plane) }
                            } else {
                                Im2Col.unfold(input: xin, channels: cinG, height: h, width: w, geometry: g,
                                              outH: oh, outW: ow, into: cols + j * plane, rowStride: width)
                            }
                        }
                        let bmat = UnsafePointer(cols) ?? (x + (first * cin + grp * cinG) * h * w)
                        let cmat = tmp ?? (y + (first * cout + grp * coutG) * plane)
                        BLAS.sgemm(m: coutG, n: count * plane, k: k, a: wt + grp * coutG * k, lda: k,
                                   b: bmat, ldb: width, c: cmat, ldc: count * plane)
                        for j in 0..<count {
                            for oc in 0..<coutG {
                                let row = y + ((first + j) * cout + grp * coutG + oc) * plane
                                if let tmp { row.update(from: tmp + oc * count * plane + j * plane, count: plane) }
                                epilogue(row, plane, bias: biasData?[grp * coutG + oc], activation)
                            }
                        }
                    }
                }
            }
        }}}
        return out
    }

    /// Bias + fused activation over one output-row segment while it is still in cache; both
    /// work splits end with it.
    @inline(__always)
    private static func epilogue(_ row: UnsafeMutablePointer<Float>, _ count: Int, bias: Float?, _ activation: FusedActivation) {
        if let bias { for j in 0..<count { row[j] += bias } }
        activation.apply(row, count)
    }
}
