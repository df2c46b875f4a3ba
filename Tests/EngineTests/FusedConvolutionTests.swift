import XCTest
@testable import Engine

/// `GEMMPlan.convolveRequantized` (channels-last tiles requantized in registers, or the
/// fallback: `convolve` + `requantizeU8`) against its definition: the reference convolution
/// followed by the reference requantization.
final class FusedConvolutionTests: XCTestCase {
    /// Geometries covering the HWC copy's paths (16-channel blocks × 16 or 8 pixels, byte
    /// tails, channels not a multiple of 4), strides, dilation, 1×1, and output-pixel counts
    /// that leave a partial 4-pixel tile.
    private let geometries: [Im2Col] = [
        Im2Col(channels: 16, height: 32, width: 32, kernel: (3, 3), padding: (1, 1)),
        Im2Col(channels: 3, height: 32, width: 32, kernel: (3, 3), padding: (1, 1)),
        Im2Col(channels: 16, height: 32, width: 32, kernel: (3, 3), stride: (2, 2), padding: (1, 1)),
        Im2Col(channels: 32, height: 16, width: 16, kernel: (3, 3), padding: (1, 1)),
        Im2Col(channels: 64, height: 8, width: 8, kernel: (3, 3), padding: (1, 1)),
        Im2Col(channels: 21, height: 9, width: 13, kernel: (3, 3), padding: (1, 1)),
        Im2Col(channels: 5, height: 17, width: 19, kernel: (3, 3), stride: (2, 2), padding: (1, 1)),
        Im2Col(channels: 4, height: 5, width: 6, kernel: (1, 1), stride: (2, 2)),
        Im2Col(channels: 2, height: 10, width: 23, kernel: (3, 2), stride: (1, 3), padding: (2, 1), dilation: (2, 2)),
        Im2Col(channels: 18, height: 11, width: 25, kernel: (5, 3), stride: (2, 1), padding: (2, 1)),
        // Winograd tiles: an odd number of 2×2 tiles per row, no padding, a 1-tile image, odd sizes
        Im2Col(channels: 16, height: 6, width: 10, kernel: (3, 3), padding: (1, 1)),
        Im2Col(channels: 16, height: 7, width: 7, kernel: (3, 3), padding: (1, 1)),
        Im2Col(channels: 32, height: 10, width: 12, kernel: (3, 3)),
        Im2Col(channels: 48, height: 2, width: 2, kernel: (3, 3), padding: (1, 1)),
    ]

    private func randomRequantizer(rows: Int, relu: Bool, using rng: inout SplitMix64) -> Requantizer {
        // mostly right shifts (real < 1/2), a few left shifts (real ≥ 1) and a zero multiplier
        let mults = (0..<rows).map { r -> FixedPointMultiplier in
            let real = r % 7 == 3 ? Double.random(in: 1...3, using: &rng)
                : r % 11 == 5 ? 0 : Double.random(in: 1e-5...2e-3, using: &rng)
            return FixedPointMultiplier(real: real)!
        }
        let bias = (0..<rows).map { _ in Int32.random(in: -200_000...200_000, using: &rng) }
        let zo = Int32.random(in: 0...255, using: &rng)
        return Requantizer(multipliers: mults, bias: rows % 2 == 0 ? bias : nil, outputZeroPoint: zo,
                           qmin: relu ? zo : 0, qmax: 255)
    }

    private func assertSame(_ got: [UInt8], _ want: [UInt8], _ what: @autoclosure () -> String,
                            file: StaticString = #filePath, line: UInt = #line) {
        guard got != want else { return }
        let i = (0..<min(got.count, want.count)).first { got[$0] != want[$0] } ?? min(got.count, want.count)
        XCTFail("\(what()): first difference at \(i) of \(got.count)", file: file, line: line)
    }

    /// Every format, symmetric and asymmetric, at every level (the fast path needs AVX2 and
    /// symmetric weights; the rest falls back), whole images and uneven pixel ranges.
    func testFusedConvolutionEqualsDefinition() throws {
        var rng = SplitMix64(seed: 81)
        var fast = 0
        for (gi, g) in geometries.enumerated() {
            for format in allFormats {
                for asym in format.isIntFormat ? [false, true] : [false] where !asym || gi % 3 == 0 {
                    let rows = [16, 10, 33, 1, 64][(gi + fast) % 5]
                    let w = randomWeights(format, rows: rows, k: g.rows, asymmetric: asym, using: &rng)
                    let img = randomBytes(g.channels * g.height * g.width, using: &rng)
                    let zx = Int32.random(in: 0...255, using: &rng)
                    let rq = randomRequantizer(rows: rows, relu: gi % 2 == 0, using: &rng)
                    let acc = GEMMPlan.convolutionReference(w, image: img, geometry: g, xZeroPoint: zx)
                    let want = rq.requantizeU8(acc, cols: g.cols, reference: true)
                    for level in CPUFeatures.supportedLevels {
                        try CPUFeatures.withLevel(level) { _ in
                            let plan = try XCTUnwrap(GEMMPlan(w))
                            if plan.prepareConvolution(g) { fast += 1 }
                            assertSame(plan.convolveRequantized(img, geometry: g, xZeroPoint: zx, requantizer: rq), want,
                                       "\(level) \(format) asym=\(asym) rows=\(rows) \(g)")
                            let cuts = [0, g.cols / 3 + 1, g.cols / 3 + 6, g.cols].map { min($0, g.cols) }
                            let split = (0..<3).map { cuts[$0]..<max(cuts[$0], cuts[$0 + 1]) }
                            assertSame(plan.convolveRequantized(img, geometry: g, xZeroPoint: zx, requantizer: rq, split: split), want,
                                       "split \(split) \(level) \(format) asym=\(asym) \(g)")
                        }
                    }
                }
            }
        }
        if CPUFeatures.supportedLevels.contains(.avx2) {
            XCTAssertGreaterThan(fast, 0, "the channels-last path was never taken on an AVX2 machine")
        }
    }

    /// The integer Winograd F(2×2, 3×3) path: taken exactly where documented, and its codes equal
    /// the definition's (and the direct channels-last path's) for every format, whole images and
    /// column ranges that cut tiles and tile rows anywhere.
    func testWinogradEqualsDefinition() throws {
        var rng = SplitMix64(seed: 84)
        let eligible = [
            Im2Col(channels: 16, height: 32, width: 32, kernel: (3, 3), padding: (1, 1)),
            Im2Col(channels: 64, height: 8, width: 8, kernel: (3, 3), padding: (1, 1)),
            Im2Col(channels: 16, height: 6, width: 10, kernel: (3, 3), padding: (1, 1)),
            Im2Col(channels: 32, height: 10, width: 12, kernel: (3, 3)),
            Im2Col(channels: 48, height: 14, width: 6, kernel: (3, 3), padding: (2, 2)),
            // odd output sizes: a last row / column of tiles half outside the image
            Im2Col(channels: 16, height: 7, width: 8, kernel: (3, 3), padding: (1, 1)),
            Im2Col(channels: 32, height: 7, width: 7, kernel: (3, 3), padding: (1, 1)),
            Im2Col(channels: 16, height: 10, width: 5, kernel: (3, 3)),
            Im2Col(channels: 16, height: 1, width: 1, kernel: (3, 3), padding: (1, 1)),
            Im2Col(channels: 64, height: 3, width: 9, kernel: (3, 3), padding: (2, 2)),
        ]
        let ineligible = [
            Im2Col(channels: 20, height: 8, width: 8, kernel: (3, 3), padding: (1, 1)),   // channels % 16
            Im2Col(channels: 16, height: 8, width: 8, kernel: (3, 3), stride: (2, 2), padding: (1, 1)),
            Im2Col(channels: 16, height: 8, width: 8, kernel: (3, 3), padding: (2, 2), dilation: (2, 2)),
            Im2Col(channels: 16, height: 8, width: 8, kernel: (5, 5), padding: (2, 2)),
        ]
        let avx2 = CPUFeatures.supportedLevels.contains(.avx2)
        for (gi, g) in (eligible + ineligible).enumerated() {
            for format in [WeightFormat.int(bits: 8), .int(bits: 7), .int(bits: 3), .ternary, .binary] {
                let rows = [16, 33, 64, 8, 17][(gi + format.storageBits) % 5]
                let w = randomWeights(format, rows: rows, k: g.rows, asymmetric: false, using: &rng)
                let img = randomBytes(g.channels * g.height * g.width, using: &rng)
                let zx = Int32.random(in: 0...255, using: &rng)
                let rq = randomRequantizer(rows: rows, relu: gi % 2 == 1, using: &rng)
                let want = rq.requantizeU8(GEMMPlan.convolutionReference(w, image: img, geometry: g, xZeroPoint: zx),
                                           cols: g.cols, reference: true)
                try CPUFeatures.withLevel(.avx2) { _ in
                    let plan = try XCTUnwrap(GEMMPlan(w))
                    plan.prepareConvolution(g)
                    // 8- and 7-bit weights only: with int16 partial sums the direct tiles are as fast
                    let wide = format == .int(bits: 8) || format == .int(bits: 7)
                    XCTAssertEqual(plan.usesWinograd(g), avx2 && wide && gi < eligible.count, "\(format) \(g)")
                    assertSame(plan.convolveRequantized(img, geometry: g, xZeroPoint: zx, requantizer: rq), want,
                               "\(format) rows=\(rows) \(g)")
                    for cuts in [[0, 5, 6, g.cols - 3, g.cols], [0, g.cols / 2 + 1, g.cols], [0, g.cols - 1, g.cols]] {
                        // clamped cuts; ranges may overlap (tiny images), never leave a column out
                        let clamp = { (c: Int) in max(0, min(c, g.cols)) }
                        let split = (0..<(cuts.count - 1)).map { clamp(cuts[$0])..<max(clamp(cuts[$0]), clamp(cuts[$0 + 1])) }
                            .filter { !$0.isEmpty }
                        assertSame(plan.convolveRequantized(img, geometry: g, xZeroPoint: zx, requantizer: rq, split: split), want,
                                   "split \(split) \(format) \(g)")
                    }
                    let was = GEMMPlan.winogradEnabled
                    GEMMPlan.winogradEnabled = false
                    defer { GEMMPlan.winogradEnabled = was }
                    XCTAssertFalse(plan.usesWinograd(g))
                    assertSame(plan.convolveRequantized(img, geometry: g, xZeroPoint: zx, requantizer: rq), want,
                               "Winograd off \(format) \(g)")
                }
            }
        }
    }

    /// Extreme codes (activations all 255 or 0 against the format's most negative/positive
    /// weights) through the fused path: the int16 partial sums stay within their bound.
    func testFusedConvolutionExtremeValues() throws {
        var rng = SplitMix64(seed: 82)
        let g = Im2Col(channels: 64, height: 8, width: 8, kernel: (3, 3), padding: (1, 1))
        try extremeValues(g, formats: allFormats, using: &rng)
        // the Winograd path's largest accepted channel count, 8-bit weights: its sums' bound
        try extremeValues(Im2Col(channels: 1024, height: 2, width: 2, kernel: (3, 3), padding: (1, 1)),
                          formats: [.int(bits: 8)], using: &rng)
    }

    private func extremeValues(_ g: Im2Col, formats: [WeightFormat], using rng: inout SplitMix64) throws {
        for format in formats {
            let r = format.signedRange
            for value in [r.lowerBound, r.upperBound] {
                for pixel: UInt8 in [255, 0] {
                    let img = [UInt8](repeating: pixel, count: g.channels * g.height * g.width)
                    let w = try PackedWeights(format: format, rows: 16, k: g.rows, codes: [Int32](repeating: value, count: 16 * g.rows),
                                              scales: [Float](repeating: 1, count: 16))
                    let rq = randomRequantizer(rows: 16, relu: false, using: &rng)
                    let want = rq.requantizeU8(GEMMPlan.convolutionReference(w, image: img, geometry: g, xZeroPoint: 255 - Int32(pixel)),
                                               cols: g.cols, reference: true)
                    let plan = try XCTUnwrap(GEMMPlan(w))
                    plan.prepareConvolution(g)
                    assertSame(plan.convolveRequantized(img, geometry: g, xZeroPoint: 255 - Int32(pixel), requantizer: rq), want,
                               "\(format) w=\(value) x=\(pixel)")
                }
            }
        }
    }

    /// One state shared by layers of different geometries and zero points (as a worker's
    /// states are not, but a stale tag must never leak): results stay exact, and a plan
    /// prepared for one geometry falls back for another.
    func testFusedStateReuseAndForeignGeometry() throws {
        var rng = SplitMix64(seed: 83)
        let geoms = [geometries[0], geometries[3], geometries[5]]
        var plans: [GEMMPlan] = []
        var weights: [PackedWeights] = []
        for g in geoms {
            let w = randomWeights(.int(bits: 4), rows: 16, k: g.rows, asymmetric: false, using: &rng)
            let plan = try XCTUnwrap(GEMMPlan(w))
            plan.prepareConvolution(g)
            plans.append(plan)
            weights.append(w)
        }
        let bytes = zip(plans, geoms).map { $0.requantizedConvolutionStateBytes($1) }.max()!
        let state = UnsafeMutableRawPointer.allocate(byteCount: bytes, alignment: 64)
        defer { state.deallocate() }
        state.initializeMemory(as: UInt8.self, repeating: 0, count: bytes)
        for step in 0..<9 {
            let i = step % geoms.count, g = geoms[i]
            let zx: Int32 = step % 2 == 0 ? 9 : 130
            let img = randomBytes(g.channels * g.height * g.width, using: &rng)
            let rq = randomRequantizer(rows: 16, relu: true, using: &rng)
            let want = rq.requantizeU8(GEMMPlan.convolutionReference(weights[i], image: img, geometry: g, xZeroPoint: zx),
                                       cols: g.cols, reference: true)
            assertSame(plans[i].convolveRequantized(img, geometry: g, xZeroPoint: zx, requantizer: rq, state: state), want,
                       "step \(step) \(g)")
        }
        // a plan serves the geometry it was prepared for (another K is refused)
        XCTAssertFalse(plans[0].prepareConvolution(geometries[1]))
    }
}
