import Foundation
import ModelIR
import TensorMath

/// Forward helpers and backward kernels of the trainable layers.
///
/// Every reduction has a fixed order for a given thread count: work is split into
/// `Parallel.threadCount` contiguous image ranges, each range accumulates into its own
/// buffer, and the buffers are summed in range order. Per-channel statistics (BN) are
/// computed one channel per task over all images in image order, so they do not depend on
/// the thread count at all.
enum Layers {
    // MARK: Convolution

    /// Conv backward: dW = Σ_images dY·colsᵀ, dX = fold(Wᵀ·dY), db = Σ dY.
    static func convBackward(x: Tensor, w: Tensor, dy: Tensor, geometry g0: Conv2DGeometry, groups: Int,
                             needInput: Bool, needBias: Bool) -> (dx: Tensor?, dw: Tensor, db: Tensor?) {
        let (n, cin, h, wd) = (x.shape[0], x.shape[1], x.shape[2], x.shape[3])
        let g = g0.resolved(height: h, width: wd)
        let cout = w.shape[0], cinG = cin / groups, coutG = cout / groups
        let (oh, ow) = (dy.shape[2], dy.shape[3])
        let plane = oh * ow
        let k = cinG * g.kernelH * g.kernelW
        let direct = g.kernelH == 1 && g.kernelW == 1 && g.strideH == 1 && g.strideW == 1
            && g.padTop == 0 && g.padLeft == 0 && g.padBottom == 0 && g.padRight == 0
        let chunks = max(1, min(Parallel.threadCount, n))
        let wCount = w.count
        let dwParts = UnsafeMutablePointer<Float>.allocate(capacity: chunks * wCount)
        dwParts.initialize(repeating: 0, count: chunks * wCount)
        let dbParts = UnsafeMutablePointer<Float>.allocate(capacity: chunks * cout)
        dbParts.initialize(repeating: 0, count: chunks * cout)
        defer { dwParts.deallocate(); dbParts.deallocate() }
        let dxBuf: UnsafeMutablePointer<Float>? = needInput ? .allocate(capacity: x.count) : nil
        dxBuf?.initialize(repeating: 0, count: x.count)
        defer { dxBuf?.deallocate() }
        x.data.withUnsafeBufferPointer { xb in
        w.data.withUnsafeBufferPointer { wb in
        dy.data.withUnsafeBufferPointer { dyb in
            let dxPtr = dxBuf
            let xp = xb.baseAddress!, wp = wb.baseAddress!, dyp = dyb.baseAddress!
            Parallel.forEach(chunks) { t in
                let lo = n * t / chunks, hi = n * (t + 1) / chunks
                let cols = direct ? nil : UnsafeMutablePointer<Float>.allocate(capacity: k * plane)
                let dcols = dxPtr == nil || direct ? nil : UnsafeMutablePointer<Float>.allocate(capacity: k * plane)
                defer { cols?.deallocate(); dcols?.deallocate() }
                let dw = dwParts + t * wCount, db = dbParts + t * cout
                for img in lo..<hi {
                    for grp in 0..<groups {
                        let xin = xp + (img * cin + grp * cinG) * h * wd
                        let dyg = dyp + (img * cout + grp * coutG) * plane
                        if let cols {
                            Im2Col.unfold(input: xin, channels: cinG, height: h, width: wd, geometry: g,
                                          outH: oh, outW: ow, into: cols)
                        }
                        let bmat = UnsafePointer(cols) ?? xin
                        BLAS.sgemm(transB: true, m: coutG, n: k, k: plane, a: dyg, lda: plane, b: bmat, ldb: plane,
                                   beta: 1, c: dw + grp * coutG * k, ldc: k)
                        if let dxPtr {
                            let dxin = dxPtr + (img * cin + grp * cinG) * h * wd
                            if let dcols {
                                BLAS.sgemm(transA: true, m: k, n: plane, k: coutG, a: wp + grp * coutG * k, lda: k,
                                           b: dyg, ldb: plane, beta: 0, c: dcols, ldc: plane)
                                Im2Col.fold(cols: dcols, channels: cinG, height: h, width: wd, geometry: g,
                                            outH: oh, outW: ow, into: dxin)
                            } else {
                                BLAS.sgemm(transA: true, m: k, n: plane, k: coutG, a: wp + grp * coutG * k, lda: k,
                                           b: dyg, ldb: plane, beta: 0, c: dxin, ldc: plane)
                            }
                        }
                        if needBias {
                            for oc in 0..<coutG {
                                let row = dyg + oc * plane
                                var s: Float = 0
                                for j in 0..<plane { s += row[j] }
                                db[grp * coutG + oc] += s
                            }
                        }
                    }
                }
            }
        }}}
        var dw = Tensor(zeros: w.shape)
        var db = Tensor(zeros: [cout])
        for t in 0..<chunks {
            for j in 0..<wCount { dw.data[j] += dwParts[t * wCount + j] }
            for j in 0..<cout { db.data[j] += dbParts[t * cout + j] }
        }
        let dx = dxBuf.map { Tensor(shape: x.shape, data: Array(UnsafeBufferPointer(start: $0, count: x.count))) }
        return (dx, dw, needBias ? db : nil)
    }

    // MARK: Batch normalization

    /// Training-mode BN: per-channel batch mean and (biased) variance over N·H·W.
    static func batchNormTrain(_ x: Tensor, scale: [Float], bias: [Float], eps: Float)
        -> (y: Tensor, xhat: Tensor, mean: [Float], variance: [Float], invStd: [Float]) {
        let n = x.shape[0], c = x.shape[1], plane = x.shape.dropFirst(2).reduce(1, *)
        var xhat = Tensor(zeros: x.shape), y = Tensor(zeros: x.shape)
        var mean = [Float](repeating: 0, count: c), variance = mean, invStd = mean
        let count = Double(n * plane)
        x.data.withUnsafeBufferPointer { xb in
        xhat.data.withUnsafeMutableBufferPointer { hb in
        y.data.withUnsafeMutableBufferPointer { yb in
        mean.withUnsafeMutableBufferPointer { mb in
        variance.withUnsafeMutableBufferPointer { vb in
        invStd.withUnsafeMutableBufferPointer { ib in
            let xp = xb.baseAddress!, hp = hb.baseAddress!, yp = yb.baseAddress!
            let mp = mb.baseAddress!, vp = vb.baseAddress!, ip = ib.baseAddress!
            Parallel.forEach(c) { ch in
                // Float partial sums per plane, Double across planes; two passes (mean, then
                // squared deviations) so the variance does not cancel.
                var s = 0.0
                for img in 0..<n {
                    let p = xp + (img * c + ch) * plane
                    var ps: Float = 0
                    for j in 0..<plane { ps += p[j] }
                    s += Double(ps)
                }
                let m = s / count
                let mf0 = Float(m)
                var v = 0.0
                for img in 0..<n {
                    let p = xp + (img * c + ch) * plane
                    var ps: Float = 0
                    for j in 0..<plane { let d = p[j] - mf0; ps += d * d }
                    v += Double(ps)
                }
                v /= count
                let inv = Float(1 / (v + Double(eps)).squareRoot())
                let mf = Float(m), gs = scale[ch], bs = bias[ch]
                for img in 0..<n {
                    let off = (img * c + ch) * plane
                    for j in 0..<plane {
                        let hv = (xp[off + j] - mf) * inv
                        hp[off + j] = hv
                        yp[off + j] = hv * gs + bs
                    }
                }
                mp[ch] = mf; vp[ch] = Float(v); ip[ch] = inv
            }
        }}}}}}
        return (y, xhat, mean, variance, invStd)
    }

    /// BN backward. With batch statistics:
    /// dx = γ·invStd·(dy − mean(dy) − x̂·mean(dy·x̂)); with fixed (running) statistics
    /// dx = γ·invStd·dy. dγ = Σ dy·x̂, dβ = Σ dy.
    static func batchNormBackward(dy: Tensor, xhat: Tensor, invStd: [Float], scale: [Float], batchStatistics: Bool)
        -> (dx: Tensor, dscale: Tensor, dbias: Tensor) {
        let n = dy.shape[0], c = dy.shape[1], plane = dy.shape.dropFirst(2).reduce(1, *)
        var dx = Tensor(zeros: dy.shape)
        var dscale = Tensor(zeros: [c]), dbias = Tensor(zeros: [c])
        let count = Float(n * plane)
        dy.data.withUnsafeBufferPointer { db in
        xhat.data.withUnsafeBufferPointer { hb in
        dx.data.withUnsafeMutableBufferPointer { xb in
        dscale.data.withUnsafeMutableBufferPointer { sb in
        dbias.data.withUnsafeMutableBufferPointer { bb in
            let dp = db.baseAddress!, hp = hb.baseAddress!, xp = xb.baseAddress!
            let sp = sb.baseAddress!, bp = bb.baseAddress!
            Parallel.forEach(c) { ch in
                var sdy = 0.0, sdyx = 0.0
                for img in 0..<n {
                    let off = (img * c + ch) * plane
                    var a: Float = 0, b: Float = 0
                    for j in 0..<plane { a += dp[off + j]; b += dp[off + j] * hp[off + j] }
                    sdy += Double(a); sdyx += Double(b)
                }
                sp[ch] = Float(sdyx); bp[ch] = Float(sdy)
                let k = scale[ch] * invStd[ch]
                if batchStatistics {
                    let mdy = Float(sdy) / count, mdyx = Float(sdyx) / count
                    for img in 0..<n {
                        let off = (img * c + ch) * plane
                        for j in 0..<plane { xp[off + j] = k * (dp[off + j] - mdy - hp[off + j] * mdyx) }
                    }
                } else {
                    for img in 0..<n {
                        let off = (img * c + ch) * plane
                        for j in 0..<plane { xp[off + j] = k * dp[off + j] }
                    }
                }
            }
        }}}}}
        return (dx, dscale, dbias)
    }

    /// y[n,c,…] = x·mul[c] + add[c].
    static func channelAffine(_ x: Tensor, _ mul: [Float], _ add: [Float]) -> Tensor {
        var y = x
        let n = x.shape[0], c = x.shape[1], plane = x.shape.dropFirst(2).reduce(1, *)
        y.data.withUnsafeMutableBufferPointer { p in
            for img in 0..<n {
                for ch in 0..<c {
                    let base = p.baseAddress! + (img * c + ch) * plane
                    let m = mul[ch], b = add[ch]
                    for j in 0..<plane { base[j] = base[j] * m + b }
                }
            }
        }
        return y
    }

    // MARK: Pointwise

    /// dy where `keep(ref)`, else 0.
    static func mask(_ dy: Tensor, _ ref: Tensor, _ keep: (Float) -> Bool) -> Tensor {
        var out = dy
        out.data.withUnsafeMutableBufferPointer { o in ref.data.withUnsafeBufferPointer { r in
            for i in 0..<o.count where !keep(r[i]) { o[i] = 0 } } }
        return out
    }

    static func zip(_ a: Tensor, _ b: Tensor, _ f: (Float, Float) -> Float) -> Tensor {
        var out = a
        out.data.withUnsafeMutableBufferPointer { o in b.data.withUnsafeBufferPointer { r in
            for i in 0..<o.count { o[i] = f(o[i], r[i]) } } }
        return out
    }

    // MARK: Pooling

    /// Max pooling that records, per output, the flat index (within its plane) of the winner.
    static func maxPool(_ x: Tensor, _ g0: Conv2DGeometry, ceilMode: Bool) -> (y: Tensor, indices: [Int32]) {
        let (n, c, h, w) = (x.shape[0], x.shape[1], x.shape[2], x.shape[3])
        let g = g0.resolved(height: h, width: w)
        let (oh, ow) = g.outputSize(height: h, width: w, ceilMode: ceilMode)
        var y = Tensor(zeros: [n, c, oh, ow])
        var idx = [Int32](repeating: 0, count: n * c * oh * ow)
        x.data.withUnsafeBufferPointer { xb in
        y.data.withUnsafeMutableBufferPointer { yb in
        idx.withUnsafeMutableBufferPointer { ib in
            let xp = xb.baseAddress!, yp = yb.baseAddress!, ip = ib.baseAddress!
            Parallel.forEach(n * c) { pl in
                let s = xp + pl * h * w, d = yp + pl * oh * ow, di = ip + pl * oh * ow
                for oy in 0..<oh {
                    for ox in 0..<ow {
                        let y0 = oy * g.strideH - g.padTop, x0 = ox * g.strideW - g.padLeft
                        var m = -Float.infinity, mi = -1
                        for ky in 0..<g.kernelH {
                            let iy = y0 + ky * g.dilationH
                            if iy < 0 || iy >= h { continue }
                            for kx in 0..<g.kernelW {
                                let ix = x0 + kx * g.dilationW
                                if ix < 0 || ix >= w { continue }
                                let v = s[iy * w + ix]
                                if v > m || mi < 0 { m = v; mi = iy * w + ix }
                            }
                        }
                        d[oy * ow + ox] = m
                        di[oy * ow + ox] = Int32(mi)
                    }
                }
            }
        }}}
        return (y, idx)
    }

    static func maxPoolBackward(_ dy: Tensor, indices: [Int32], inputShape: [Int]) -> Tensor {
        var dx = Tensor(zeros: inputShape)
        let planes = inputShape[0] * inputShape[1], hw = inputShape[2] * inputShape[3]
        let ohw = dy.count / max(planes, 1)
        dx.data.withUnsafeMutableBufferPointer { xb in dy.data.withUnsafeBufferPointer { db in
            indices.withUnsafeBufferPointer { ib in
                let xp = xb.baseAddress!, dp = db.baseAddress!, ip = ib.baseAddress!
                Parallel.forEach(planes) { pl in
                    for j in 0..<ohw {
                        let i = Int(ip[pl * ohw + j])
                        if i >= 0 { xp[pl * hw + i] += dp[pl * ohw + j] }
                    }
                }
            } } }
        return dx
    }

    static func averagePoolBackward(_ dy: Tensor, inputShape: [Int], _ g0: Conv2DGeometry, ceilMode: Bool,
                                    countIncludePad: Bool) -> Tensor {
        let (n, c, h, w) = (inputShape[0], inputShape[1], inputShape[2], inputShape[3])
        let g = g0.resolved(height: h, width: w)
        let (oh, ow) = (dy.shape[2], dy.shape[3])
        var dx = Tensor(zeros: inputShape)
        dx.data.withUnsafeMutableBufferPointer { xb in dy.data.withUnsafeBufferPointer { db in
            let xp = xb.baseAddress!, dp = db.baseAddress!
            Parallel.forEach(n * c) { pl in
                let s = xp + pl * h * w, d = dp + pl * oh * ow
                for oy in 0..<oh {
                    for ox in 0..<ow {
                        let y0 = oy * g.strideH - g.padTop, x0 = ox * g.strideW - g.padLeft
                        var cnt = 0
                        for ky in 0..<g.kernelH where y0 + ky >= 0 && y0 + ky < h {
                            for kx in 0..<g.kernelW where x0 + kx >= 0 && x0 + kx < w { cnt += 1 }
                        }
                        if countIncludePad {
                            let yEnd = min(y0 + g.kernelH, h + g.padBottom), xEnd = min(x0 + g.kernelW, w + g.padRight)
                            cnt = (yEnd - y0) * (xEnd - x0)
                        }
                        if cnt == 0 { continue }
                        let v = d[oy * ow + ox] / Float(cnt)
                        for ky in 0..<g.kernelH where y0 + ky >= 0 && y0 + ky < h {
                            for kx in 0..<g.kernelW where x0 + kx >= 0 && x0 + kx < w { s[(y0 + ky) * w + x0 + kx] += v }
                        }
                    }
                }
            }
        } }
        return dx
    }

    static func globalAverageBackward(_ dy: Tensor, inputShape: [Int]) -> Tensor {
        var dx = Tensor(zeros: inputShape)
        let planes = inputShape[0] * inputShape[1], hw = inputShape.dropFirst(2).reduce(1, *)
        dx.data.withUnsafeMutableBufferPointer { xb in
            for pl in 0..<planes {
                let v = dy.data[pl] / Float(hw)
                for j in 0..<hw { xb[pl * hw + j] = v }
            }
        }
        return dx
    }

    // MARK: Elementwise with broadcasting

    /// Sums `t` over the axes where `shape` broadcasts (the adjoint of broadcasting).
    static func reduce(_ t: Tensor, to shape: [Int]) -> Tensor {
        if t.shape == shape { return t }
        var out = Tensor(zeros: shape)
        let r = t.rank
        // Strides of `shape` viewed inside t.shape (0 on broadcast axes).
        var strides = [Int](repeating: 0, count: r)
        var acc = 1
        for i in stride(from: r - 1, through: 0, by: -1) {
            let j = i - (r - shape.count)
            if j >= 0 { if shape[j] != 1 { strides[i] = acc }; acc *= shape[j] }
        }
        var idx = [Int](repeating: 0, count: r)
        for pos in 0..<t.count {
            var off = 0
            for d in 0..<r { off += idx[d] * strides[d] }
            out.data[off] += t.data[pos]
            var d = r - 1
            while d >= 0 { idx[d] += 1; if idx[d] < t.shape[d] { break }; idx[d] = 0; d -= 1 }
        }
        return out
    }

    static func binaryBackward(_ op: BinaryOp, _ dy: Tensor, _ a: Tensor, _ b: Tensor) -> (da: Tensor, db: Tensor) {
        switch op {
        case .add: return (reduce(dy, to: a.shape), reduce(dy, to: b.shape))
        case .sub: return (reduce(dy, to: a.shape), reduce(dy.map { -$0 }, to: b.shape))
        case .mul: return (reduce(dy.elementwise(.mul, b), to: a.shape), reduce(dy.elementwise(.mul, a), to: b.shape))
        case .div:
            let da = dy.elementwise(.div, b)
            // d(a/b)/db = −a/b²
            let db = da.elementwise(.mul, a).elementwise(.div, b).map { -$0 }
            return (reduce(da, to: a.shape), reduce(db, to: b.shape))
        }
    }

    // MARK: Shapes

    static func sliceGeometry(_ shape: [Int], _ starts: [Int], _ ends: [Int], _ axes: [Int], _ steps: [Int], _ node: Node) throws
        -> (starts: [Int], steps: [Int], outShape: [Int]) {
        do {
            let g = try SliceGeometry(shape: shape, starts: starts, ends: ends, axes: axes, steps: steps)
            return (g.starts, g.steps, g.outShape)
        } catch let e as SliceGeometry.Invalid {
            throw TrainingError("node '\(node.name)' (\(e.description))")
        }
    }

    static func sliceBackward(_ dy: Tensor, inputShape: [Int], starts: [Int], steps: [Int]) -> Tensor {
        var dx = Tensor(zeros: inputShape)
        let r = inputShape.count
        let inStrides = Tensor.strides(inputShape)
        var base = 0
        for d in 0..<r { base += starts[d] * inStrides[d] }
        let src = (0..<r).map { inStrides[$0] * steps[$0] }
        var idx = [Int](repeating: 0, count: r)
        dx.data.withUnsafeMutableBufferPointer { o in dy.data.withUnsafeBufferPointer { s in
            for pos in 0..<dy.count {
                var off = base
                for d in 0..<r { off += idx[d] * src[d] }
                o[off] += s[pos]
                var d = r - 1
                while d >= 0 { idx[d] += 1; if idx[d] < dy.shape[d] { break }; idx[d] = 0; d -= 1 }
            }
        } }
        return dx
    }

    static func reshapeTarget(_ x: Tensor, _ shape: [Int], _ allowZero: Bool, _ node: Node) throws -> [Int] {
        var s = shape
        for (i, d) in s.enumerated() where d == 0 && !allowZero && i < x.rank { s[i] = x.shape[i] }
        if let inf = s.firstIndex(of: -1) {
            let known = s.enumerated().filter { $0.offset != inf }.reduce(1) { $0 * $1.element }
            guard known > 0, x.count % known == 0 else { throw TrainingError("node '\(node.name)': cannot reshape \(x.shape) to \(shape)") }
            s[inf] = x.count / known
        }
        guard s.reduce(1, *) == x.count else { throw TrainingError("node '\(node.name)': cannot reshape \(x.shape) to \(shape)") }
        return s
    }

    /// alpha · Aᵀ·B for A [K, M], B [K, N] → [M, N] (one GEMM, single-threaded: M×N is a weight).
    static func matmulTN(_ a: Tensor, _ b: Tensor, alpha: Float) -> Tensor {
        let k = a.shape[0], m = a.shape[1], n = b.shape[1]
        var out = Tensor(zeros: [m, n])
        a.data.withUnsafeBufferPointer { pa in b.data.withUnsafeBufferPointer { pb in
            out.data.withUnsafeMutableBufferPointer { po in
                BLAS.sgemm(transA: true, m: m, n: n, k: k, alpha: alpha, a: pa.baseAddress!, lda: m,
                           b: pb.baseAddress!, ldb: n, c: po.baseAddress!, ldc: n)
            } } }
        return out
    }
}
