import CKernels
import XCTest
@testable import Engine

final class GEMMTests: XCTestCase {
    /// Shape triples drawn from the odd sizes; every format sees several, including the
    /// extremes (1 and 300) on each axis.
    private func shapes(_ rng: inout SplitMix64, count: Int) -> [(m: Int, n: Int, k: Int)] {
        var out: [(Int, Int, Int)] = [(1, 1, 1), (300, 17, 3), (3, 300, 129), (17, 65, 300), (65, 129, 63)]
        while out.count < count {
            out.append((oddSizes.randomElement(using: &rng)!, oddSizes.randomElement(using: &rng)!,
                        oddSizes.randomElement(using: &rng)!))
        }
        return out
    }

    /// The scalar reference itself against a direct Swift evaluation of the definition.
    func testReferenceMatchesDefinition() {
        var rng = SplitMix64(seed: 10)
        for format in allFormats {
            for asym in [false, true] {
                let (m, n, k) = (5, 7, 67)
                let w = randomWeights(format, rows: m, k: k, asymmetric: asym, using: &rng)
                let x = randomBytes(k * n, using: &rng)
                let zx = Int32.random(in: 0...255, using: &rng)
                let c = IntegerGEMM.reference(w, x: x, n: n, xZeroPoint: zx)
                let wv = w.signedValues(), zs = w.signedZeroPoints
                for i in 0..<m {
                    for j in 0..<n {
                        var s: Int64 = 0
                        for kk in 0..<k { s += Int64(Int32(x[kk * n + j]) - zx) * Int64(Int32(wv[i * k + kk]) - zs[i]) }
                        XCTAssertEqual(Int64(c[i * n + j]), s, "\(format) asym=\(asym) [\(i),\(j)]")
                    }
                }
            }
        }
    }

    func testSIMDGEMMBitExactEveryFormat() throws {
        try XCTSkipIf(simdLevels.isEmpty, "no SIMD level on this CPU")
        var rng = SplitMix64(seed: 11)
        for format in allFormats {
            for asym in format.isIntFormat ? [false, true] : [false] {
                for (m, n, k) in shapes(&rng, count: 9) {
                    let w = randomWeights(format, rows: m, k: k, asymmetric: asym, using: &rng)
                    let x = randomBytes(k * n, using: &rng)
                    let zx = Int32.random(in: 0...255, using: &rng)
                    let ref = IntegerGEMM.reference(w, x: x, n: n, xZeroPoint: zx)
                    for level in simdLevels {
                        let got = CPUFeatures.withLevel(level) { _ in IntegerGEMM.run(w, x: x, n: n, xZeroPoint: zx) }
                        XCTAssertEqual(got, ref, "\(level) \(format) asym=\(asym) M=\(m) N=\(n) K=\(k)")
                    }
                }
            }
        }
    }

    /// Extreme codes: all activations 255 / 0 with the most negative and positive weights
    /// (exercises the int16 accumulation bound of the AVX2 path).
    func testSIMDGEMMExtremeValues() throws {
        try XCTSkipIf(simdLevels.isEmpty, "no SIMD level on this CPU")
        for format in allFormats {
            let r = format.signedRange
            for (xv, wv) in [(UInt8(255), r.lowerBound), (255, r.upperBound), (0, r.lowerBound)] {
                let (m, n, k) = (9, 37, 300)
                let codes = [Int32](repeating: format == .binary && wv == 0 ? 1 : wv, count: m * k)
                let w = try PackedWeights(format: format, rows: m, k: k, codes: codes, scales: [Float](repeating: 1, count: m))
                let x = [UInt8](repeating: xv, count: k * n)
                let ref = IntegerGEMM.reference(w, x: x, n: n, xZeroPoint: 0)
                XCTAssertEqual(ref[0], Int32(k) * Int32(xv) * wv)
                for level in simdLevels {
                    let got = CPUFeatures.withLevel(level) { _ in IntegerGEMM.run(w, x: x, n: n, xZeroPoint: 0) }
                    XCTAssertEqual(got, ref, "\(level) \(format) x=\(xv) w=\(wv)")
                }
            }
        }
    }

    /// Strided operands: ldx > n and ldc > n, output outside the tile untouched.
    func testStridedOperands() throws {
        var rng = SplitMix64(seed: 12)
        let (m, n, k, ldx, ldc) = (6, 21, 50, 40, 33)
        for format in [WeightFormat.int(bits: 4), .int(bits: 8), .ternary] {
            let w = randomWeights(format, rows: m, k: k, asymmetric: false, using: &rng)
            let xs = randomBytes(k * ldx, using: &rng)
            var dense = [UInt8](repeating: 0, count: k * n)
            for kk in 0..<k { for j in 0..<n { dense[kk * n + j] = xs[kk * ldx + j] } }
            let ref = IntegerGEMM.reference(w, x: dense, n: n, xZeroPoint: 7)
            for level in CPUFeatures.supportedLevels {
                var c = [Int32](repeating: -99, count: m * ldc)
                CPUFeatures.withLevel(level) { _ in
                    xs.withUnsafeBufferPointer { xp in
                        c.withUnsafeMutableBufferPointer { cp in
                            IntegerGEMM.run(w, x: xp.baseAddress!, n: n, ldx: ldx, xZeroPoint: 7, c: cp.baseAddress!, ldc: ldc)
                        }
                    }
                }
                for i in 0..<m {
                    XCTAssertEqual(Array(c[i * ldc..<i * ldc + n]), Array(ref[i * n..<(i + 1) * n]), "\(level) \(format)")
                    XCTAssertTrue(c[i * ldc + n..<(i + 1) * ldc].allSatisfy { $0 == -99 })
                }
            }
        }
    }

    func testTernaryEqualsIntegerDotProduct() throws {
        var rng = SplitMix64(seed: 13)
        for (m, n, k) in shapes(&rng, count: 10) {
            let w = randomWeights(.ternary, rows: m, k: k, asymmetric: false, using: &rng)
            let x = randomBytes(k * n, using: &rng)
            let zx = Int32.random(in: 0...255, using: &rng)
            let generic = IntegerGEMM.reference(w, x: x, n: n, xZeroPoint: zx)
            let ref = IntegerGEMM.ternaryReference(w, x: x, n: n, xZeroPoint: zx)
            XCTAssertEqual(ref, generic, "ternary ref vs int dot M=\(m) N=\(n) K=\(k)")
            for level in simdLevels {
                let got = CPUFeatures.withLevel(level) { _ in IntegerGEMM.runTernary(w, x: x, n: n, xZeroPoint: zx) }
                XCTAssertEqual(got, ref, "\(level) ternary M=\(m) N=\(n) K=\(k)")
            }
        }
        // long K: several int16 flushes with saturated activations
        let k = 1000
        let w = try PackedWeights(format: .ternary, rows: 5, k: k, codes: [Int32](repeating: -1, count: 5 * k),
                                  scales: [Float](repeating: 1, count: 5))
        let x = [UInt8](repeating: 255, count: k * 40)
        let ref = IntegerGEMM.ternaryReference(w, x: x, n: 40, xZeroPoint: 0)
        XCTAssertEqual(ref[0], -255 * Int32(k))
        for level in simdLevels {
            XCTAssertEqual(CPUFeatures.withLevel(level) { _ in IntegerGEMM.runTernary(w, x: x, n: 40, xZeroPoint: 0) }, ref)
        }
    }

    func testXNOREqualsSignDotProduct() throws {
        var rng = SplitMix64(seed: 14)
        // (3, 2000, 2100): the AVX2 kernel's pixel panel holds 1984 pixels at K = 2100, so
        // this one takes two panels, and five byte-counter chunks per output.
        for (m, n, k) in shapes(&rng, count: 10) + [(4, 9, 64), (5, 8, 128), (3, 11, 2100), (3, 2000, 2100)] {
            let w = randomWeights(.binary, rows: m, k: k, asymmetric: false, using: &rng)
            let signs: [Int8] = (0..<n * k).map { _ in Bool.random(using: &rng) ? 1 : -1 }
            let a = BinaryActivations(signs: signs, k: k, n: n)
            let ref = IntegerGEMM.xnorReference(w, x: a)
            let wv = w.signedValues()
            // float dot product of the ±1 vectors (spot-check a few entries in debug)
            for _ in 0..<min(20, m * n) {
                let i = Int.random(in: 0..<m, using: &rng), j = Int.random(in: 0..<n, using: &rng)
                var dot: Float = 0
                for kk in 0..<k { dot += Float(wv[i * k + kk]) * Float(signs[j * k + kk]) }
                XCTAssertEqual(Float(ref[i * n + j]), dot, "xnor ref M=\(m) N=\(n) K=\(k)")
            }
            for level in simdLevels {
                let got = CPUFeatures.withLevel(level) { _ in IntegerGEMM.runXNOR(w, x: a) }
                XCTAssertEqual(got, ref, "\(level) xnor M=\(m) N=\(n) K=\(k)")
            }
        }
    }

    /// Binarized activations: bit set exactly where the code is below the zero-point.
    func testBinaryActivationPacking() {
        var rng = SplitMix64(seed: 15)
        let (k, n) = (130, 9)
        let x = randomBytes(k * n, using: &rng)
        let a = BinaryActivations(im2col: x, k: k, n: n, zeroPoint: 128)
        XCTAssertEqual(a.words.count, n * 3)
        for j in 0..<n {
            for kk in 0..<k { XCTAssertEqual(a.sign(pixel: j, k: kk), x[kk * n + j] < 128 ? -1 : 1) }
            XCTAssertEqual(a.words[j * 3 + 2] >> 2, 0, "padding bits must be zero")
        }
    }
}

extension WeightFormat {
    var isIntFormat: Bool { if case .int = self { return true } else { return false } }
}
