import CKernels
import XCTest
@testable import Engine

final class ElementwiseTests: XCTestCase {
    func testQuantizedAddSIMDAndDouble() throws {
        var rng = SplitMix64(seed: 30)
        let cases: [(Float, Int32, Float, Int32, Float, Int32, Bool)] = [
            (0.05, 128, 0.02, 100, 0.06, 120, false),
            (0.013, 0, 0.1, 3, 0.07, 0, true),
            (0.5, 255, 0.5, 0, 0.25, 128, false),
            (0.001, 17, 0.2, 200, 0.003, 50, true),
        ]
        for (sa, za, sb, zb, so, zo, relu) in cases {
            guard let add = QuantizedAdd(aScale: sa, aZeroPoint: za, bScale: sb, bZeroPoint: zb,
                                         outputScale: so, outputZeroPoint: zo, relu: relu) else { return XCTFail() }
            for n in [1, 31, 32, 33, 1000] {
                let a = randomBytes(n, using: &rng), b = randomBytes(n, using: &rng)
                let ref = add.run(a, b, reference: true)
                for level in simdLevels {
                    XCTAssertEqual(CPUFeatures.withLevel(level) { _ in add.run(a, b) }, ref, "\(level) n=\(n)")
                }
                for i in 0..<n {
                    let real = Double(sa) * Double(Int32(a[i]) - za) + Double(sb) * Double(Int32(b[i]) - zb)
                    let q = (real / Double(so)).rounded() + Double(zo)
                    let clamped = max(Double(relu ? zo : 0), min(255, q))
                    XCTAssertLessThanOrEqual(abs(Double(ref[i]) - clamped), 1, "a=\(a[i]) b=\(b[i])")
                }
            }
        }
        XCTAssertNil(QuantizedAdd(aScale: 0, aZeroPoint: 0, bScale: 1, bZeroPoint: 0, outputScale: 1, outputZeroPoint: 0))
        // a scale ratio the 15-bit multiplier cannot hold is refused, not wrapped
        XCTAssertNil(QuantizedAdd(aScale: 40000, aZeroPoint: 0, bScale: 1, bZeroPoint: 0, outputScale: 1, outputZeroPoint: 0))
    }

    /// The parameters and the rounding of the documented definition, recomputed here in
    /// Int64 from the scales: multipliers are round(2^s·ratio) with the largest s ≤ 30 that keeps
    /// both ≤ 32767, and y = clamp(zo + floor((v + 2^(s-1)) / 2^s)).
    func testQuantizedAddMatchesItsDefinition() throws {
        var rng = SplitMix64(seed: 32)
        let cases: [(Float, Int32, Float, Int32, Float, Int32, Bool)] = [
            (0.05, 128, 0.02, 100, 0.06, 120, false),   // ratios < 1
            (0.3, 0, 0.02, 7, 0.01, 0, true),           // ratio 30
            (1, 0, 1, 0, 1, 0, false),                  // ratio 1: s = 14, exact
            (0.001, 17, 0.2, 200, 0.003, 50, true),
        ]
        for (sa, za, sb, zb, so, zo, relu) in cases {
            let add = try XCTUnwrap(QuantizedAdd(aScale: sa, aZeroPoint: za, bScale: sb, bZeroPoint: zb,
                                                 outputScale: so, outputZeroPoint: zo, relu: relu))
            let ra = Double(sa) / Double(so), rb = Double(sb) / Double(so)
            var s = 0
            while s < 30, max(ra, rb) * Double(1 << (s + 1)) < 32767.5 { s += 1 }
            let ma = Int64((ra * Double(1 << s)).rounded()), mb = Int64((rb * Double(1 << s)).rounded())
            XCTAssertEqual(add.params.shift, Int32(s))
            XCTAssertEqual(Int64(add.params.a_mult), ma)
            XCTAssertEqual(Int64(add.params.b_mult), mb)
            XCTAssertLessThanOrEqual(max(ma, mb), 32767)
            XCTAssertGreaterThan(max(ma, mb), 16383, "the larger multiplier keeps 15 significant bits")
            let n = 777
            let a = randomBytes(n, using: &rng), b = randomBytes(n, using: &rng)
            let got = add.run(a, b, reference: true)
            for i in 0..<n {
                let v = ma * Int64(Int32(a[i]) - za) + mb * Int64(Int32(b[i]) - zb)
                let shifted = s > 0 ? (v + (Int64(1) << (s - 1))) >> Int64(s) : v
                let y = min(255, max(Int64(relu ? zo : 0), shifted + Int64(zo)))
                XCTAssertEqual(Int64(got[i]), y, "a=\(a[i]) b=\(b[i])")
            }
        }
    }

    func testAveragePool() {
        var rng = SplitMix64(seed: 31)
        for (c, h, w, kh, kw, s, p) in [(3, 8, 8, 8, 8, 1, 0), (2, 7, 5, 3, 3, 2, 1), (1, 4, 4, 2, 2, 2, 0), (2, 5, 6, 3, 2, 1, 1)] {
            let x = randomBytes(c * h * w, using: &rng)
            let out = IntegerPooling.averagePool(x, channels: c, height: h, width: w, kernel: (kh, kw), stride: (s, s), padding: (p, p))
            let oh = (h + 2 * p - kh) / s + 1, ow = (w + 2 * p - kw) / s + 1
            XCTAssertEqual(out.count, c * oh * ow)
            for ci in 0..<c {
                for oy in 0..<oh {
                    for ox in 0..<ow {
                        var sum = 0, cnt = 0
                        for i in 0..<kh {
                            for j in 0..<kw {
                                let iy = oy * s - p + i, ix = ox * s - p + j
                                if iy >= 0 && iy < h && ix >= 0 && ix < w { sum += Int(x[(ci * h + iy) * w + ix]); cnt += 1 }
                            }
                        }
                        // round half up: exact rational check
                        let expected = (2 * sum + cnt) / (2 * cnt)
                        XCTAssertEqual(Int(out[(ci * oh + oy) * ow + ox]), expected)
                    }
                }
            }
        }
        // ties: (1 + 2) / 2 = 1.5 -> 2
        XCTAssertEqual(IntegerPooling.globalAveragePool([1, 2], channels: 1, height: 1, width: 2), [2])
        XCTAssertEqual(IntegerPooling.globalAveragePool([0, 1, 1, 1], channels: 1, height: 2, width: 2), [1])  // 0.75
    }

    func testIm2ColFastMatchesReference() {
        var rng = SplitMix64(seed: 32)
        let geoms: [Im2Col] = [
            Im2Col(channels: 3, height: 8, width: 8, kernel: (3, 3), stride: (1, 1), padding: (1, 1)),
            Im2Col(channels: 2, height: 9, width: 7, kernel: (3, 3), stride: (2, 2), padding: (1, 1)),
            Im2Col(channels: 4, height: 5, width: 6, kernel: (1, 1), stride: (2, 2)),
            Im2Col(channels: 1, height: 10, width: 11, kernel: (3, 2), stride: (1, 3), padding: (2, 1), dilation: (2, 2)),
            Im2Col(channels: 2, height: 3, width: 3, kernel: (5, 5), padding: (2, 2)),
        ]
        for g in geoms {
            let img = randomBytes(g.channels * g.height * g.width, using: &rng)
            let ref = g(img, padValue: 77, reference: true)
            XCTAssertEqual(g(img, padValue: 77), ref, "\(g)")
            XCTAssertEqual(ref.count, g.rows * g.cols)
        }
        // padding uses the zero-point
        let g = Im2Col(channels: 1, height: 2, width: 2, kernel: (3, 3), padding: (1, 1))
        let cols = g([1, 2, 3, 4], padValue: 9)
        XCTAssertEqual(Array(cols[0..<4]), [9, 9, 9, 1])  // top-left tap for the 4 outputs
    }

    /// im2col + integer GEMM equals a direct integer convolution (real zero padding).
    func testConvolutionViaIm2ColGEMM() throws {
        var rng = SplitMix64(seed: 33)
        let (cin, h, w, cout) = (3, 6, 5, 4)
        let g = Im2Col(channels: cin, height: h, width: w, kernel: (3, 3), stride: (1, 1), padding: (1, 1))
        let zx: Int32 = 100
        let img = randomBytes(cin * h * w, using: &rng)
        let codes = randomSignedCodes(.int(bits: 4), count: cout * g.rows, using: &rng)
        let wts = try PackedWeights(format: .int(bits: 4), rows: cout, k: g.rows, codes: codes,
                                    scales: [Float](repeating: 1, count: cout))
        let x = g(img, padValue: UInt8(zx))
        let c = IntegerGEMM.run(wts, x: x, n: g.cols, xZeroPoint: zx)
        for o in 0..<cout {
            for oy in 0..<g.outH {
                for ox in 0..<g.outW {
                    var s: Int32 = 0
                    for ci in 0..<cin {
                        for i in 0..<3 {
                            for j in 0..<3 {
                                let iy = oy - 1 + i, ix = ox - 1 + j
                                guard iy >= 0, iy < h, ix >= 0, ix < w else { continue }
                                s += (Int32(img[(ci * h + iy) * w + ix]) - zx) * codes[o * g.rows + (ci * 3 + i) * 3 + j]
                            }
                        }
                    }
                    XCTAssertEqual(c[o * g.cols + oy * g.outW + ox], s)
                }
            }
        }
    }
}
