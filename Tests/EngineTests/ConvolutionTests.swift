import XCTest
@testable import Engine

/// `GEMMPlan` (weights prepared once) and its implicit-im2col convolution against the
/// definitions: im2col + the reference GEMM.
final class ConvolutionTests: XCTestCase {
    /// Equality with a short message (the first differing index) instead of two long arrays.
    private func assertSame(_ got: [Int32], _ want: [Int32], _ what: @autoclosure () -> String,
                            file: StaticString = #filePath, line: UInt = #line) {
        guard got != want else { return }
        let i = (0..<min(got.count, want.count)).first { got[$0] != want[$0] } ?? min(got.count, want.count)
        XCTFail("\(what()): \(got.count) vs \(want.count) values, first difference at \(i)", file: file, line: line)
    }

    /// Geometries covering the packer's paths: stride 1 and 2 with rows of 8+ output pixels
    /// (vector path), widths that are not multiples of 8 and rows that straddle a panel
    /// (gathered path), stride 3, dilation, 1×1, kernels larger than the image, K % 4 != 0.
    private let geometries: [Im2Col] = [
        Im2Col(channels: 16, height: 32, width: 32, kernel: (3, 3), padding: (1, 1)),
        Im2Col(channels: 3, height: 32, width: 32, kernel: (3, 3), padding: (1, 1)),
        Im2Col(channels: 16, height: 32, width: 32, kernel: (3, 3), stride: (2, 2), padding: (1, 1)),
        Im2Col(channels: 5, height: 17, width: 19, kernel: (3, 3), stride: (2, 2), padding: (1, 1)),
        Im2Col(channels: 7, height: 9, width: 13, kernel: (3, 3), padding: (1, 1)),
        Im2Col(channels: 4, height: 5, width: 6, kernel: (1, 1), stride: (2, 2)),
        Im2Col(channels: 2, height: 10, width: 23, kernel: (3, 2), stride: (1, 3), padding: (2, 1), dilation: (2, 2)),
        Im2Col(channels: 3, height: 3, width: 3, kernel: (5, 5), padding: (2, 2)),
        Im2Col(channels: 9, height: 20, width: 20, kernel: (5, 3), stride: (2, 1), padding: (2, 1)),
        Im2Col(channels: 64, height: 8, width: 8, kernel: (3, 3), padding: (1, 1)),
    ]

    /// The reference convolution is im2col + the reference GEMM (its stated definition).
    func testReferenceIsIm2ColPlusGEMM() throws {
        var rng = SplitMix64(seed: 71)
        for g in geometries {
            let w = randomWeights(.int(bits: 5), rows: 6, k: g.rows, asymmetric: true, using: &rng)
            let img = randomBytes(g.channels * g.height * g.width, using: &rng)
            let zx = Int32.random(in: 0...255, using: &rng)
            let viaIm2Col = IntegerGEMM.reference(w, x: g(img, padValue: UInt8(zx), reference: true), n: g.cols, xZeroPoint: zx)
            assertSame(GEMMPlan.convolutionReference(w, image: img, geometry: g, xZeroPoint: zx), viaIm2Col, "\(g)")
        }
    }

    /// Every format (symmetric and asymmetric), every level, odd geometries: bit-exact.
    func testPlannedConvolutionIsBitExactEveryFormatAndLevel() throws {
        var rng = SplitMix64(seed: 72)
        for (gi, g) in geometries.enumerated() {
            for format in allFormats {
                for asym in format.isIntFormat ? [false, true] : [false] {
                    let rows = [1, 4, 6, 16, 17][(gi + allFormats.count) % 5]
                    let w = randomWeights(format, rows: rows, k: g.rows, asymmetric: asym, using: &rng)
                    let img = randomBytes(g.channels * g.height * g.width, using: &rng)
                    let zx = Int32.random(in: 0...255, using: &rng)
                    let ref = GEMMPlan.convolutionReference(w, image: img, geometry: g, xZeroPoint: zx)
                    for level in CPUFeatures.supportedLevels {
                        let got = CPUFeatures.withLevel(level) { _ -> [Int32] in
                            let plan = try! XCTUnwrap(GEMMPlan(w))
                            return plan.convolve(img, geometry: g, xZeroPoint: zx)
                        }
                        assertSame(got, ref, "\(level) \(format) asym=\(asym) rows=\(rows) \(g)")
                        // the same result computed in uneven column ranges (threads splitting one image)
                        let cuts = [0, g.cols / 3, g.cols / 3 + 5, g.cols].map { min($0, g.cols) }
                        let split = (0..<3).map { cuts[$0]..<max(cuts[$0], cuts[$0 + 1]) }
                        let pieces = CPUFeatures.withLevel(level) { _ in GEMMPlan(w)!.convolve(img, geometry: g, xZeroPoint: zx, split: split) }
                        assertSame(pieces, ref, "split \(split) \(level) \(format) asym=\(asym) \(g)")
                    }
                }
            }
        }
    }

    /// Extreme codes (all 255 activations, most negative/positive weights) through the
    /// planned convolution: the int16 accumulation bound holds with implicit panels too.
    func testPlannedConvolutionExtremeValues() throws {
        let g = Im2Col(channels: 64, height: 8, width: 8, kernel: (3, 3), padding: (1, 1))
        let img = [UInt8](repeating: 255, count: g.channels * g.height * g.width)
        for format in allFormats {
            let r = format.signedRange
            for value in [r.lowerBound, r.upperBound] {
                let w = try PackedWeights(format: format, rows: 8, k: g.rows, codes: [Int32](repeating: value, count: 8 * g.rows),
                                          scales: [Float](repeating: 1, count: 8))
                let ref = GEMMPlan.convolutionReference(w, image: img, geometry: g, xZeroPoint: 0)
                for level in CPUFeatures.supportedLevels {
                    let got = CPUFeatures.withLevel(level) { _ in GEMMPlan(w)!.convolve(img, geometry: g, xZeroPoint: 0) }
                    assertSame(got, ref, "\(level) \(format) w=\(value)")
                }
            }
        }
    }

    /// A kept state (padded border + row offsets) gives the same results across images, zero
    /// points, column ranges and geometries: the border is rebuilt when either changes.
    func testConvolutionStateReuse() throws {
        var rng = SplitMix64(seed: 74)
        let geoms = [geometries[0], geometries[2], geometries[4], geometries[9]]
        let bytes = geoms.map(GEMMPlan.convolutionStateBytes).max()!
        let state = UnsafeMutableRawPointer.allocate(byteCount: bytes, alignment: 64)
        defer { state.deallocate() }
        state.initializeMemory(as: UInt8.self, repeating: 0, count: bytes)
        for level in CPUFeatures.supportedLevels {
            try CPUFeatures.withLevel(level) { _ in
                for step in 0..<12 {
                    let g = geoms[(step / 3) % geoms.count]
                    let w = randomWeights(.int(bits: 6), rows: 8, k: g.rows, asymmetric: step % 2 == 1, using: &rng)
                    let plan = try XCTUnwrap(GEMMPlan(w))
                    let img = randomBytes(g.channels * g.height * g.width, using: &rng)
                    let zx: Int32 = step % 3 == 2 ? 200 : 17  // same zero point twice in a row, then another
                    let ref = GEMMPlan.convolutionReference(w, image: img, geometry: g, xZeroPoint: zx)
                    let split = [0..<(g.cols / 2), (g.cols / 2)..<g.cols]
                    assertSame(plan.convolve(img, geometry: g, xZeroPoint: zx, split: split, state: state), ref,
                               "\(level) step \(step) \(g) zx=\(zx)")
                }
            }
        }
    }

    /// A plan's GEMM equals the unprepared one, and a plan built at one level gives the same
    /// result when another level is active (it falls back instead of using a stale strip).
    func testPlannedGEMMAndLevelSwitches() throws {
        var rng = SplitMix64(seed: 73)
        let g = geometries[4]
        for format in [WeightFormat.int(bits: 8), .int(bits: 4), .int(bits: 7), .ternary] {
            let w = randomWeights(format, rows: 17, k: g.rows, asymmetric: false, using: &rng)
            let img = randomBytes(g.channels * g.height * g.width, using: &rng)
            let x = g(img, padValue: 3)
            let gemmRef = IntegerGEMM.reference(w, x: x, n: g.cols, xZeroPoint: 3)
            let convRef = GEMMPlan.convolutionReference(w, image: img, geometry: g, xZeroPoint: 3)
            for built in CPUFeatures.supportedLevels {
                let plan = try XCTUnwrap(CPUFeatures.withLevel(built) { _ in GEMMPlan(w) })
                for used in CPUFeatures.supportedLevels {
                    CPUFeatures.withLevel(used) { _ in
                        var c = [Int32](repeating: 0, count: 17 * g.cols)
                        x.withUnsafeBufferPointer { xp in
                            c.withUnsafeMutableBufferPointer {
                                plan.run(x: xp.baseAddress!, n: g.cols, ldx: g.cols, xZeroPoint: 3, c: $0.baseAddress!, ldc: g.cols)
                            }
                        }
                        self.assertSame(c, gemmRef, "gemm \(format) built \(built) used \(used)")
                        self.assertSame(plan.convolve(img, geometry: g, xZeroPoint: 3), convRef, "conv \(format) built \(built) used \(used)")
                    }
                }
            }
        }
    }
}
