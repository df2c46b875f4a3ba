import CKernels

/// A layer's packed weights prepared once for repeated integer GEMMs and convolutions
/// (`bb_gemm_plan`): the C side copies the packed codes and, at a SIMD level, keeps the
/// unpacked weight strip, row sums and zero points that `IntegerGEMM.run` rebuilds on every
/// call. Results equal `IntegerGEMM.run` / `IntegerGEMM.reference` bit for bit at every
/// level; a plan built at one level and used at another falls back to the active level's
/// unprepared kernels (tests switch levels process-wide).
public final class GEMMPlan: @unchecked Sendable {
    public let weights: PackedWeights
    private let plan: OpaquePointer

    /// Nil only when the C allocation fails.
    public init?(_ weights: PackedWeights) {
        guard let p = weights.withCView({ bb_gemm_plan_create($0) }) else { return nil }
        self.weights = weights
        self.plan = p
    }

    deinit { bb_gemm_plan_free(plan) }

    /// c[m][j] = Σ_k (x[k][j] − xZeroPoint)·(w_s[m][k] − zs[m]), as `IntegerGEMM.run`.
    public func run(x: UnsafePointer<UInt8>, n: Int, ldx: Int, xZeroPoint: Int32,
                    c: UnsafeMutablePointer<Int32>, ldc: Int) {
        bb_gemm_u8_planned(plan, x, n, ldx, xZeroPoint, c, ldc)
    }

    /// Bytes of a convolution state for `geometry` (see `convolve`).
    public static func convolutionStateBytes(_ geometry: Im2Col) -> Int {
        var g = geometry.cGeometry
        return bb_conv_u8_state_bytes(&g)
    }

    /// Scratch bytes `convolve` wants for `geometry` (64-byte aligned).
    public func convolutionScratchBytes(_ geometry: Im2Col) -> Int {
        var g = geometry.cGeometry
        return bb_conv_u8_scratch_bytes(plan, &g)
    }

    /// One CHW image of u8 codes convolved: `c[m*ldc + p]` = the GEMM of `geometry`'s im2col
    /// (padding = the zero point) with the weights, without writing the im2col matrix.
    /// Only the output pixels `columns` (default all) are computed, so threads can share an
    /// image. `scratch`: `convolutionScratchBytes(geometry)` bytes, 64-byte aligned, one per
    /// concurrent call (nil: allocated per call). `state`: nil, or `convolutionStateBytes`
    /// bytes, 64-byte aligned and zeroed before first use, kept per layer and concurrent
    /// caller: later calls reuse its padded border and row offsets (same results).
    public func convolve(_ image: UnsafePointer<UInt8>, geometry: Im2Col, xZeroPoint: Int32, columns: Range<Int>? = nil,
                         c: UnsafeMutablePointer<Int32>, ldc: Int, state: UnsafeMutableRawPointer? = nil,
                         scratch: UnsafeMutableRawPointer?) {
        precondition(geometry.rows == weights.k, "GEMMPlan.convolve: geometry K=\(geometry.rows), weights K=\(weights.k)")
        precondition((0...255).contains(xZeroPoint), "GEMMPlan.convolve: zero point \(xZeroPoint) is not a u8 code")
        let cols = columns ?? 0..<geometry.cols
        precondition(cols.lowerBound >= 0 && cols.upperBound <= geometry.cols, "GEMMPlan.convolve: columns \(cols) outside 0..<\(geometry.cols)")
        var g = geometry.cGeometry
        bb_conv_u8(plan, &g, image, xZeroPoint, cols.lowerBound, cols.upperBound, c, ldc, state, scratch)
    }

    /// `convolve` on arrays (tests): returns [rows × geometry.cols], computed in the column
    /// ranges `split` (default one range), one after the other, sharing `state` if given.
    public func convolve(_ image: [UInt8], geometry: Im2Col, xZeroPoint: Int32, split: [Range<Int>]? = nil,
                         state: UnsafeMutableRawPointer? = nil) -> [Int32] {
        precondition(image.count == geometry.channels * geometry.height * geometry.width, "GEMMPlan.convolve: image size")
        var c = [Int32](repeating: 0, count: weights.rows * geometry.cols)
        guard !c.isEmpty else { return c }
        let scratch = UnsafeMutableRawPointer.allocate(byteCount: convolutionScratchBytes(geometry), alignment: 64)
        defer { scratch.deallocate() }
        image.withUnsafeBufferPointer { ip in
            c.withUnsafeMutableBufferPointer { cp in
                for r in split ?? [0..<geometry.cols] {
                    convolve(ip.baseAddress!, geometry: geometry, xZeroPoint: xZeroPoint, columns: r,
                             c: cp.baseAddress!, ldc: geometry.cols, state: state, scratch: scratch)
                }
            }
        }
        return c
    }

    /// Prepares the fused convolution + requantization (`convolveRequantized`) for
    /// `geometry`: at the AVX2 level, for weights without zero points, the plan builds a
    /// weight strip with the output channels in the vector lanes. Returns whether the fast
    /// path will run (results are the same either way). Not thread-safe: call it before the
    /// plan is shared; a plan serves one geometry's (channels, kernel).
    @discardableResult
    public func prepareConvolution(_ geometry: Im2Col) -> Bool {
        var g = geometry.cGeometry
        return bb_gemm_plan_prepare_conv(plan, &g) != 0
    }

    /// Whether `convolveRequantized` computes `geometry` with the exact integer Winograd
    /// F(2×2, 3×3) tiles at the active level (3×3, stride 1, channels a multiple of 16, 8- or
    /// 7-bit weights, after `prepareConvolution`); the codes are the same either way.
    public func usesWinograd(_ geometry: Im2Col) -> Bool {
        var g = geometry.cGeometry
        return bb_conv_requant_uses_winograd(plan, &g) != 0
    }

    /// Process-wide switch of the Winograd path (tests and benchmarks compare both; the
    /// environment variable `BITBUDGET_WINOGRAD=0` starts a process with it off).
    public static var winogradEnabled: Bool {
        get { bb_winograd_enabled() != 0 }
        set { bb_set_winograd(newValue ? 1 : 0) }
    }

    /// Bytes of a `convolveRequantized` state for `geometry` (also enough for `convolve`).
    public func requantizedConvolutionStateBytes(_ geometry: Im2Col) -> Int {
        var g = geometry.cGeometry
        return bb_conv_requant_state_bytes(plan, &g)
    }

    /// Scratch bytes `convolveRequantized` wants for `geometry` (64-byte aligned).
    public func requantizedConvolutionScratchBytes(_ geometry: Im2Col) -> Int {
        var g = geometry.cGeometry
        return bb_conv_requant_scratch_bytes(plan, &g)
    }

    /// `convolve` followed by `requantizer` (`out[m*ldo + p]`, u8 codes) for the output pixels
    /// `columns`: one pass with the output channels in the vector lanes when
    /// `prepareConvolution` accepted the geometry, else `convolve` into `acc` (rows × `lda`
    /// int32) and `Requantizer.requantizeU8`. State and scratch as in `convolve`, sized by
    /// `requantizedConvolutionStateBytes` / `requantizedConvolutionScratchBytes`.
    public func convolveRequantized(_ image: UnsafePointer<UInt8>, geometry: Im2Col, xZeroPoint: Int32,
                                    columns: Range<Int>? = nil, requantizer: Requantizer,
                                    out: UnsafeMutablePointer<UInt8>, ldo: Int,
                                    acc: UnsafeMutablePointer<Int32>, lda: Int,
                                    state: UnsafeMutableRawPointer? = nil, scratch: UnsafeMutableRawPointer?) {
        precondition(geometry.rows == weights.k, "GEMMPlan.convolveRequantized: geometry K=\(geometry.rows), weights K=\(weights.k)")
        precondition(requantizer.multipliers.count == weights.rows, "GEMMPlan.convolveRequantized: \(requantizer.multipliers.count) multipliers for \(weights.rows) rows")
        precondition((0...255).contains(xZeroPoint), "GEMMPlan.convolveRequantized: zero point \(xZeroPoint) is not a u8 code")
        let cols = columns ?? 0..<geometry.cols
        precondition(cols.lowerBound >= 0 && cols.upperBound <= geometry.cols && lda >= cols.upperBound,
                     "GEMMPlan.convolveRequantized: columns \(cols) outside 0..<\(geometry.cols) or lda \(lda)")
        var g = geometry.cGeometry
        requantizer.withParams { rq in
            bb_conv_requant_u8(plan, &g, image, xZeroPoint, cols.lowerBound, cols.upperBound, rq, out, ldo,
                               acc, lda, state, scratch)
        }
    }

    /// `convolveRequantized` on arrays (tests): [rows × geometry.cols] codes, computed in the
    /// column ranges `split` (default one range) one after the other, sharing `state` if given.
    public func convolveRequantized(_ image: [UInt8], geometry: Im2Col, xZeroPoint: Int32, requantizer: Requantizer,
                                    split: [Range<Int>]? = nil, state: UnsafeMutableRawPointer? = nil) -> [UInt8] {
        precondition(image.count == geometry.channels * geometry.height * geometry.width, "GEMMPlan.convolveRequantized: image size")
        var out = [UInt8](repeating: 0, count: weights.rows * geometry.cols)
        guard !out.isEmpty else { return out }
        var acc = [Int32](repeating: 0, count: weights.rows * geometry.cols)
        let scratch = UnsafeMutableRawPointer.allocate(byteCount: requantizedConvolutionScratchBytes(geometry), alignment: 64)
        defer { scratch.deallocate() }
        image.withUnsafeBufferPointer { ip in
            out.withUnsafeMutableBufferPointer { op in
                acc.withUnsafeMutableBufferPointer { ap in
                    for r in split ?? [0..<geometry.cols] {
                        convolveRequantized(ip.baseAddress!, geometry: geometry, xZeroPoint: xZeroPoint, columns: r,
                                            requantizer: requantizer, out: op.baseAddress!, ldo: geometry.cols,
                                            acc: ap.baseAddress!, lda: geometry.cols, state: state, scratch: scratch)
                    }
                }
            }
        }
        return out
    }

    /// The definition `bb_conv_u8_ref` (im2col + reference GEMM) on arrays.
    public static func convolutionReference(_ weights: PackedWeights, image: [UInt8], geometry: Im2Col,
                                            xZeroPoint: Int32) -> [Int32] {
        precondition(geometry.rows == weights.k && image.count == geometry.channels * geometry.height * geometry.width)
        var c = [Int32](repeating: 0, count: weights.rows * geometry.cols)
        guard !c.isEmpty else { return c }
        var g = geometry.cGeometry
        image.withUnsafeBufferPointer { ip in
            c.withUnsafeMutableBufferPointer { cp in
                weights.withCView { bb_conv_u8_ref($0, &g, ip.baseAddress, xZeroPoint, cp.baseAddress, geometry.cols) }
            }
        }
        return c
    }
}

extension Im2Col {
    /// The C kernels' description of this geometry.
    var cGeometry: bb_conv_geom {
        bb_conv_geom(c: channels, h: height, w: width, kh: kernelH, kw: kernelW, sh: strideH, sw: strideW,
                     ph: padH, pw: padW, dh: dilationH, dw: dilationW)
    }
}
