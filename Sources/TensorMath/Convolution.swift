import Foundation
import CFloatConv

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
        // Branch-free so it vectorizes (max keeps a NaN, as the compare-and-store did).
        case .relu: for i in 0..<count { p[i] = Swift.max(p[i], 0) }
        case let .clip(lo, hi): for i in 0..<count { p[i] = Swift.min(Swift.max(p[i], lo), hi) }
        }
    }
}

/// How `Convolution.forward` computes a convolution.
public enum ConvolutionAlgorithm: Sendable, Equatable {
    /// Where the AVX2 kernels run and groups == 1: `winograd` for 3×3 stride-1 undilated
    /// convolutions, `direct` for the rest; else `im2colGEMM`.
    case automatic
    /// im2col + OpenBLAS `cblas_sgemm`.
    case im2colGEMM
    /// The packed direct kernel of `CFloatConv` (portable C where AVX2 is missing).
    case direct
    /// Winograd F(4×4, 3×3) of `CFloatConv` where it applies (3×3, stride 1, no dilation,
    /// groups = 1), else `direct`: 36 multiplies per 4×4 outputs and input channel instead of
    /// 144. With AVX2 transforms it is `.automatic`'s choice for those convolutions (timings
    /// against F(2×2, 3×3) and `direct`: the repository README, FP32 section).
    case winograd
}

/// 2-D convolution over NCHW tensors: a direct kernel (`CFloatConv`) or im2col + `cblas_sgemm`.
///
/// Weights are [Cout, Cin/groups, kh, kw] (ONNX layout). Work is split over images when
/// the batch is at least the thread count, and over output pixels (direct) or columns
/// (im2col) of one image otherwise (batch 1), so both cores are busy in either regime.
///
/// Why not only im2col: CIFAR-style CNNs have 16–64 output channels, so sgemm's M is tiny and
/// im2col's column matrix (written, then re-packed by OpenBLAS) costs more than the
/// multiply-adds; the direct kernel reads the padded image in place and measured ≈ 2× faster
/// on ResNet-20 (`Experiments/bench_fp32.sh`), and Winograd F(4×4, 3×3) cuts the 3×3
/// stride-1 convolutions' multiplies by 4× on top. Every algorithm gives each image a
/// result that does not depend on the batch or the thread count. Training keeps
/// `im2colGEMM`, so the committed models it trained are reproduced bit for bit.
public enum Convolution {
    public static func forward(_ input: Tensor, weight: Tensor, bias: Tensor?, geometry g: Conv2DGeometry,
                               groups: Int = 1, activation: FusedActivation = .none,
                               algorithm: ConvolutionAlgorithm = .automatic) -> Tensor {
        precondition(input.rank == 4 && weight.rank == 4, "Convolution: NCHW input and 4-D weight required")
        let (n, cin, h, w) = (input.shape[0], input.shape[1], input.shape[2], input.shape[3])
        let g = g.resolved(height: h, width: w)
        let cout = weight.shape[0]
        let cinG = cin / groups, coutG = cout / groups
        precondition(weight.shape[1] == cinG && weight.shape[2] == g.kernelH && weight.shape[3] == g.kernelW)
        let (oh, ow) = g.outputSize(height: h, width: w)
        let algorithm = algorithm == .automatic ? Self.environmentAlgorithm : algorithm
        if groups == 1 && n > 0 && oh * ow > 0
            && (algorithm == .direct || algorithm == .winograd || (algorithm == .automatic && bb_convf_simd_available() != 0)) {
            if algorithm != .direct, let y = winograd(input, weight: weight, bias: bias, geometry: g, outH: oh, outW: ow, activation: activation) {
                return y
            }
            return direct(input, weight: weight, bias: bias, geometry: g, outH: oh, outW: ow, activation: activation)
        }
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

    /// `BITBUDGET_CONV` = `direct`, `winograd` or `im2col` replaces `.automatic` (benchmarks
    /// compare the algorithms in one build); unset, empty or `automatic` keeps it. Any other
    /// value is reported on stderr (once) rather than silently ignored, since a typo would
    /// otherwise make a comparison measure the default twice.
    static let environmentAlgorithm: ConvolutionAlgorithm = {
        let value = ProcessInfo.processInfo.environment["BITBUDGET_CONV"] ?? ""
        switch value {
        case "direct": return .direct
        case "winograd": return .winograd
        case "im2col": return .im2colGEMM
        case "", "automatic": return .automatic
        default:
            FileHandle.standardError.write(Data(
                "bitbudget: warning: BITBUDGET_CONV=\(value) is not one of automatic, direct, winograd, im2col; using automatic\n".utf8))
            return .automatic
        }
    }()

    /// Winograd F(4×4, 3×3) (`bb_convw_*`); nil where it does not apply. Images are split
    /// over threads, or, for a batch smaller than the thread count, each image's input
    /// channels, 36 transform-domain GEMMs and output tile rows are (every split gives the
    /// same bits). The transformed weights of a small batch come from `PackedWeightCache`.
    static func winograd(_ input: Tensor, weight: Tensor, bias: Tensor?, geometry g: Conv2DGeometry,
                         outH oh: Int, outW ow: Int, activation: FusedActivation) -> Tensor? {
        let (n, cin, h, w) = (input.shape[0], input.shape[1], input.shape[2], input.shape[3])
        let cout = weight.shape[0]
        var shape = cShape(input, weight, g, oh, ow)
        guard bb_convw_applies(&shape) != 0 else { return nil }
        let scratch = (xp: bb_convw_padded_floats(&shape), v: bb_convw_v_floats(&shape), m: bb_convw_m_floats(&shape))
        let packedCount = max(1, bb_convw_packed_floats(&shape))
        /// The weight transform, split over input channels (independent per channel).
        func pack() -> [Float] {
            [Float](unsafeUninitializedCapacity: packedCount) { buf, count in
                weight.data.withUnsafeBufferPointer { wBuf in
                    let s = shape, wt = wBuf.baseAddress!, dst = buf.baseAddress!
                    Parallel.forRanges(cin) { r in
                        var s = s
                        bb_convw_pack_weights(&s, wt, dst, Int32(r.lowerBound), Int32(r.upperBound))
                    }
                }
                count = packedCount
            }
        }
        let packed = packedWeights(weight, batch: n, algorithm: 0, shape: shape, pack: pack)
        let (act, lo, hi) = activation.cCode
        let inPlane = cin * h * w, outPlane = cout * oh * ow, rows = bb_convw_tile_rows(&shape)
        var out = Tensor(uninitialized: [n, cout, oh, ow])
        func allocate() -> UnsafeMutablePointer<Float> {
            UnsafeMutablePointer<Float>.allocate(capacity: max(1, scratch.xp + scratch.v + scratch.m))
        }
        packed.withUnsafeBufferPointer { pBuf in
        input.data.withUnsafeBufferPointer { xBuf in
        out.data.withUnsafeMutableBufferPointer { yBuf in
            let x = xBuf.baseAddress!, pk = pBuf.baseAddress!, y = yBuf.baseAddress!
            (bias?.data).withUnsafeBufferPointerIfPresent { bp in
                let s = shape
                if n >= Parallel.threadCount {
                    Parallel.forRanges(n) { range in
                        var s = s
                        let buf = allocate()
                        defer { buf.deallocate() }
                        let v = buf + scratch.xp, m = v + scratch.v
                        for img in range {
                            bb_convw_input(&s, x + img * inPlane, buf, v, 0, Int32(cin))
                            bb_convw_gemm(&s, v, pk, m, 0, Int32(BB_CONVW_XI))
                            bb_convw_output(&s, m, bp, act, lo, hi, y + img * outPlane, 0, rows)
                        }
                    }
                } else {
                    // Fewer images than threads: each phase of an image is split instead (input
                    // channels, then the 36 GEMMs, then output tile rows).
                    let buf = allocate()
                    defer { buf.deallocate() }
                    let v = buf + scratch.xp, m = v + scratch.v
                    for img in 0..<n {
                        Parallel.forRanges(cin) { r in
                            var s = s
                            bb_convw_input(&s, x + img * inPlane, buf, v, Int32(r.lowerBound), Int32(r.upperBound))
                        }
                        Parallel.forRanges(Int(BB_CONVW_XI)) { r in
                            var s = s
                            bb_convw_gemm(&s, v, pk, m, Int32(r.lowerBound), Int32(r.upperBound))
                        }
                        Parallel.forRanges(Int(rows)) { r in
                            var s = s
                            bb_convw_output(&s, m, bp, act, lo, hi, y + img * outPlane, Int32(r.lowerBound), Int32(r.upperBound))
                        }
                    }
                }
            }
        }}}
        return out
    }

    /// The packed weights of a call: from `PackedWeightCache` when the batch is smaller than
    /// the thread count (keyed by the algorithm, 0 Winograd or 1 direct, and every field of
    /// the shape the packing functions are given), else `pack()` afresh.
    static func packedWeights(_ weight: Tensor, batch n: Int, algorithm: Int32, shape s: bb_convf_shape,
                              pack: () -> [Float]) -> [Float] {
        guard n < Parallel.threadCount else { return pack() }
        let variant = [algorithm, s.cin, s.h, s.w, s.cout, s.kh, s.kw, s.sh, s.sw, s.dh, s.dw, s.pt, s.pl, s.oh, s.ow]
        return PackedWeightCache.shared.packed(weight.data, variant: variant, make: pack)
    }

    /// The direct kernel: weights packed once per call (for a batch smaller than the thread
    /// count: once per weight tensor, `PackedWeightCache`), each image zero-padded once, then
    /// output tiles (16 channels × 6 pixels) over the images (or over one image's tiles when
    /// the batch is smaller than the thread count).
    static func direct(_ input: Tensor, weight: Tensor, bias: Tensor?, geometry g: Conv2DGeometry,
                       outH oh: Int, outW ow: Int, activation: FusedActivation) -> Tensor {
        let (n, cin, h, w) = (input.shape[0], input.shape[1], input.shape[2], input.shape[3])
        let cout = weight.shape[0]
        var shape = cShape(input, weight, g, oh, ow)
        let packedCount = bb_convf_packed_floats(&shape), paddedCount = bb_convf_padded_floats(&shape)
        let taps = cin * g.kernelH * g.kernelW
        func pack() -> [Float] {
            [Float](unsafeUninitializedCapacity: packedCount) { buf, count in
                weight.data.withUnsafeBufferPointer { bb_convf_pack_weights(&shape, $0.baseAddress!, buf.baseAddress!) }
                count = packedCount
            }
        }
        let packed = packedWeights(weight, batch: n, algorithm: 1, shape: shape, pack: pack)
        let offsets = [Int32](unsafeUninitializedCapacity: taps) { buf, count in
            bb_convf_offsets(&shape, buf.baseAddress!); count = taps
        }
        let (act, lo, hi) = activation.cCode
        let tiles = Int(bb_convf_tiles(&shape))
        let inPlane = cin * h * w, outPlane = cout * oh * ow
        var out = Tensor(uninitialized: [n, cout, oh, ow])
        input.data.withUnsafeBufferPointer { xBuf in
        packed.withUnsafeBufferPointer { pBuf in
        offsets.withUnsafeBufferPointer { oBuf in
        out.data.withUnsafeMutableBufferPointer { yBuf in
            let x = xBuf.baseAddress!, pw = pBuf.baseAddress!, off = oBuf.baseAddress!, y = yBuf.baseAddress!
            (bias?.data).withUnsafeBufferPointerIfPresent { bp in
                if n >= Parallel.threadCount {
                    Parallel.forRanges(n) { range in
                        var s = shape
                        let xp = UnsafeMutablePointer<Float>.allocate(capacity: max(1, paddedCount))
                        defer { xp.deallocate() }
                        for img in range {
                            bb_convf_pad_input(&s, x + img * inPlane, xp)
                            bb_convf_run(&s, xp, pw, off, bp, act, lo, hi, y + img * outPlane, 0, Int32(tiles))
                        }
                    }
                } else {
                    let xp = UnsafeMutablePointer<Float>.allocate(capacity: max(1, paddedCount))
                    defer { xp.deallocate() }
                    for img in 0..<n {
                        bb_convf_pad_input(&shape, x + img * inPlane, xp)
                        let s = shape
                        Parallel.forRanges(tiles) { r in
                            var s = s
                            bb_convf_run(&s, xp, pw, off, bp, act, lo, hi, y + img * outPlane, Int32(r.lowerBound), Int32(r.upperBound))
                        }
                    }
                }
            }
        }}}}
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

private extension Optional where Wrapped == [Float] {
    /// Runs `body` with the array's base address, or nil when there is no array.
    func withUnsafeBufferPointerIfPresent<R>(_ body: (UnsafePointer<Float>?) -> R) -> R {
        switch self {
        case .none: return body(nil)
        case let .some(a): return a.withUnsafeBufferPointer { body($0.baseAddress) }
        }
    }
}

extension Convolution {
    /// One image's convolution as `CFloatConv` takes it.
    static func cShape(_ input: Tensor, _ weight: Tensor, _ g: Conv2DGeometry, _ oh: Int, _ ow: Int) -> bb_convf_shape {
        bb_convf_shape(cin: Int32(input.shape[1]), h: Int32(input.shape[2]), w: Int32(input.shape[3]), cout: Int32(weight.shape[0]),
                       kh: Int32(g.kernelH), kw: Int32(g.kernelW), sh: Int32(g.strideH), sw: Int32(g.strideW),
                       dh: Int32(g.dilationH), dw: Int32(g.dilationW), pt: Int32(g.padTop), pl: Int32(g.padLeft),
                       oh: Int32(oh), ow: Int32(ow))
    }
}

private extension FusedActivation {
    /// The activation as `CFloatConv` takes it: (kind, lo, hi).
    var cCode: (Int32, Float, Float) {
        switch self {
        case .none: return (Int32(BB_CONVF_ACT_NONE), 0, 0)
        case .relu: return (Int32(BB_CONVF_ACT_RELU), 0, 0)
        case let .clip(a, b): return (Int32(BB_CONVF_ACT_CLIP), a, b)
        }
    }
}
