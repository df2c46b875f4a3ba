import XCTest
import TensorMath
@testable import Quantizers

final class ActivationTests: XCTestCase {
    func testUnsignedQuantizer() throws {
        let q = try ActivationQuantizer(bits: 8, signed: false, range: 0...6)
        XCTAssertEqual(q.zeroPoint, 0)
        XCTAssertEqual(q.qmin...q.qmax, 0...255)
        XCTAssertEqual(q.scale, canonicalScale(6 / 255), accuracy: 1e-6)
        let x = Tensor(shape: [6], data: [-1, 0, 0.01, 3, 6, 9])
        let codes = q.quantize(x)
        XCTAssertEqual(codes.first, 0)
        XCTAssertEqual(codes.last, 255)
        XCTAssertEqual(codes[3], roundToInt(3 / q.scale))
        let fq = q.fakeQuantize(x)
        XCTAssertEqual(fq.data[1], 0)
        for i in 1...4 { XCTAssertLessThanOrEqual(abs(fq.data[i] - x.data[i]), q.scale / 2 * (1 + 1e-5)) }
        XCTAssertEqual(q.fakeQuantize(fq), fq)
    }

    func testSignedIsShiftedUnsigned() throws {
        let s = try ActivationQuantizer(bits: 8, signed: true, range: -1...3)
        let u = try ActivationQuantizer(bits: 8, signed: false, range: -1...3)
        XCTAssertEqual(s.qmin...s.qmax, -128...127)
        XCTAssertEqual(s.scale, u.scale)
        XCTAssertEqual(s.zeroPoint, u.zeroPoint - 128)
        let x = Synthetic.uniform(500, seed: 6, range: -1.5...3.5)
        XCTAssertEqual(s.quantize(x), u.quantize(x).map { $0 - 128 })
        XCTAssertEqual(s.fakeQuantize(Tensor(shape: [500], data: x)), u.fakeQuantize(Tensor(shape: [500], data: x)))
    }

    func testActivationQuantizerValidation() {
        XCTAssertThrowsError(try ActivationQuantizer(bits: 1, signed: false, range: 0...1))
        XCTAssertThrowsError(try ActivationQuantizer(bits: 9, signed: true, range: 0...1))
        XCTAssertThrowsError(try ActivationQuantizer(bits: 4, signed: false, scale: 0, zeroPoint: 0))
        XCTAssertThrowsError(try ActivationQuantizer(bits: 4, signed: false, scale: 1, zeroPoint: 16))
        XCTAssertThrowsError(try ActivationQuantizer(bits: 4, signed: true, scale: 1, zeroPoint: -9))
        XCTAssertNoThrow(try ActivationQuantizer(bits: 4, signed: true, scale: 0.5, zeroPoint: -8))
    }

    /// A uniform ramp 0, 1e-4, ..., 0.9999 seen in 10 ascending batches (the histogram
    /// grows by merging 4 times): percentile p is p/100 within two bins.
    func testPercentileOfUniformRamp() throws {
        var obs = ActivationObserver(bins: 2048)
        let ramp = (0..<10_000).map { Float($0) / 10_000 }
        for b in 0..<10 { obs.observe(Array(ramp[(b * 1000)..<((b + 1) * 1000)])) }
        XCTAssertEqual(obs.count, 10_000)
        XCTAssertEqual(obs.histogram.reduce(0, +), 10_000)
        XCTAssertEqual(obs.min, 0)
        XCTAssertEqual(obs.max, 0.9999)
        XCTAssertGreaterThanOrEqual(obs.binWidth * Float(obs.binCount), obs.maxAbs)
        for p in [99.0, 90, 75] {
            let range = try obs.clipRange(.percentile(p), bits: 8)
            XCTAssertEqual(range.lowerBound, 0)
            XCTAssertEqual(Double(range.upperBound), p / 100, accuracy: 2 * Double(obs.binWidth), "p \(p)")
        }
        XCTAssertEqual(try obs.clipRange(.minMax, bits: 8), 0...0.9999)
        XCTAssertEqual(try obs.clipRange(.percentile(100), bits: 8).upperBound, 0.9999)
    }

    func testMergingKeepsCountsAndIsDeterministic() {
        var a = ActivationObserver(bins: 64), b = ActivationObserver(bins: 64)
        let batches = [Synthetic.gaussian(300, seed: 1, std: 0.1), [0, 0, 0], Synthetic.gaussian(300, seed: 2, std: 1),
                       Synthetic.gaussian(300, seed: 3, std: 10)]
        var zerosFirst = ActivationObserver(bins: 64)
        zerosFirst.observe([0, 0])
        for batch in batches { a.observe(batch); b.observe(batch); zerosFirst.observe(batch) }
        XCTAssertEqual(a, b)
        XCTAssertEqual(a.histogram.reduce(0, +), 903)
        XCTAssertEqual(zerosFirst.histogram.reduce(0, +), 905)
        XCTAssertLessThanOrEqual(a.maxAbs, a.binWidth * 64)
        // Each bin holds exactly the values whose |x| falls into it at the final width,
        // except values clamped into the top bin of an earlier, narrower histogram.
        let all = batches.flatMap { $0 }
        var direct = [Double](repeating: 0, count: 64)
        for v in all { direct[min(Int(abs(v) * (1 / a.binWidth)), 63)] += 1 }
        let moved = zip(direct, a.histogram).map { abs($0 - $1) }.reduce(0, +)
        XCTAssertLessThanOrEqual(moved, 6)
    }

    /// ReLU-like Gaussian activations with two huge outliers (40 and 35). KL (2048 bins,
    /// TensorRT's setting) clips well inside max|x| at 4 and 8 bits. MSE clips at 4 bits,
    /// where the rounding noise of a [0, 40] grid outweighs clipping two values; at 8 bits
    /// the noise is small and keeping the outliers is MSE-optimal, so it must stay at max.
    func testKLAndMSEOnGaussianWithOutliers() throws {
        var obs = ActivationObserver(bins: 2048)
        var data = Synthetic.gaussian(20_000, seed: 12).map { abs($0) }
        data[17] = 40; data[1234] = 35
        for b in 0..<4 { obs.observe(Array(data[(b * 5000)..<((b + 1) * 5000)])) }
        let x = Tensor(shape: [data.count], data: data)
        for bits in [4, 8] {
            let kl = try obs.clipRange(.kl, bits: bits)
            XCTAssertEqual(kl.lowerBound, 0)
            XCTAssertLessThan(kl.upperBound, 10, "bits \(bits)")
            XCTAssertGreaterThan(kl.upperBound, 2, "bits \(bits)")
            let mse = try obs.clipRange(.mse, bits: bits)
            XCTAssertLessThanOrEqual(mse.upperBound, obs.maxAbs)
            let errMinMax = QuantizationMetrics.mse(x, try obs.quantizer(.minMax, bits: bits, signed: false).fakeQuantize(x))
            let errMSE = QuantizationMetrics.mse(x, try obs.quantizer(.mse, bits: bits, signed: false).fakeQuantize(x))
            XCTAssertLessThanOrEqual(errMSE, errMinMax * 1.01, "bits \(bits)")
        }
        let mse4 = try obs.clipRange(.mse, bits: 4).upperBound
        XCTAssertLessThan(mse4, 10)
        XCTAssertGreaterThan(mse4, 2)
        XCTAssertGreaterThan(try obs.clipRange(.mse, bits: 8).upperBound, 30)
        // Without outliers at 8 bits, clipping stays near the max.
        var clean = ActivationObserver(bins: 512)
        clean.observe(Synthetic.uniform(10_000, seed: 4, range: 0...1))
        XCTAssertGreaterThan(try clean.clipRange(.mse, bits: 8).upperBound, 0.95)
        XCTAssertLessThanOrEqual(try clean.clipRange(.kl, bits: 8).upperBound, clean.maxAbs)
    }

    func testTwoSidedAndFixed() throws {
        var obs = ActivationObserver(bins: 256)
        obs.observe(Synthetic.uniform(5000, seed: 5, range: -2...1))
        XCTAssertTrue(obs.isTwoSided)
        let r = try obs.clipRange(.percentile(99), bits: 8)
        XCTAssertGreaterThanOrEqual(r.lowerBound, obs.min)
        XCTAssertLessThanOrEqual(r.upperBound, obs.max)
        XCTAssertEqual(try obs.clipRange(.fixed(1.5), bits: 4), -1.5...1.5)
        var relu = ActivationObserver(bins: 256)
        relu.observe([0, 1, 2, 3])
        XCTAssertEqual(try relu.clipRange(.fixed(6), bits: 4), 0...6)
        let q = try relu.quantizer(.fixed(6), bits: 4, signed: false)
        XCTAssertEqual(q.zeroPoint, 0)
        XCTAssertEqual(q.scale, canonicalScale(6 / 15), accuracy: 1e-6)
        for method in [CalibrationMethod.minMax, .mse, .kl, .percentile(99.9)] {
            let range = try obs.clipRange(method, bits: 4)
            XCTAssertTrue(range.contains(0), method.text)
            XCTAssertGreaterThanOrEqual(range.lowerBound, obs.min)
            XCTAssertLessThanOrEqual(range.upperBound, obs.max)
        }
    }

    func testCalibrationErrorsAndParsing() throws {
        let empty = ActivationObserver()
        XCTAssertThrowsError(try empty.clipRange(.minMax, bits: 8)) { XCTAssertEqual($0 as? QuantizerError, .noCalibrationData) }
        var obs = ActivationObserver(bins: 64)
        obs.observe([0, 0, 0])
        XCTAssertEqual(try obs.clipRange(.kl, bits: 8), 0...0)
        XCTAssertThrowsError(try obs.clipRange(.minMax, bits: 1))
        XCTAssertThrowsError(try obs.clipRange(.percentile(10), bits: 8))
        XCTAssertThrowsError(try obs.clipRange(.fixed(-1), bits: 8))
        XCTAssertEqual(try CalibrationMethod(parsing: "percentile:99.99"), .percentile(99.99))
        XCTAssertEqual(try CalibrationMethod(parsing: "kl"), .kl)
        XCTAssertEqual(try CalibrationMethod(parsing: "fixed:6"), .fixed(6))
        XCTAssertThrowsError(try CalibrationMethod(parsing: "median"))
        for m in [CalibrationMethod.minMax, .mse, .kl, .percentile(99.5), .fixed(2.5)] {
            XCTAssertEqual(try CalibrationMethod(parsing: m.text), m)
        }
    }

    /// A NaN or an infinity (a float model that overflows) is kept out of the histogram — its
    /// bin index has no integer value — and the observer then refuses to make a quantizer.
    func testNonFiniteValuesAreRecordedNotBinned() throws {
        for bad: Float in [.nan, .infinity, -.infinity] {
            var o = ActivationObserver(bins: 64)
            o.observe([0.5, 1, 2])
            let before = o.histogram
            o.observe([1, bad, 3])
            XCTAssertTrue(o.sawNonFinite)
            XCTAssertEqual(o.histogram, before)
            XCTAssertEqual(o.max, 2)
            XCTAssertThrowsError(try o.quantizer(.minMax, bits: 8, signed: false)) {
                XCTAssertTrue("\($0)".contains("NaN or infinite"), "\($0)")
            }
        }
        var fine = ActivationObserver(bins: 64)
        fine.observe([0.5, 1, 2])
        XCTAssertFalse(fine.sawNonFinite)
        XCTAssertNoThrow(try fine.quantizer(.minMax, bits: 8, signed: false))
    }
}
