import XCTest
import TensorMath
@testable import Quantizers

final class UniformQuantizerTests: XCTestCase {
    /// |w − Q(w)| ≤ step/2 for every w inside the grid's range [value(qmin), value(qmax)].
    func testErrorBoundInsideClipRange() {
        for granularity in Granularity.allCases {
            for bits in 1...8 {
                for clip in Configurations.clips {
                    var quantizers: [any WeightQuantizer] = [try! UniformAsymmetric(bits: bits, granularity: granularity, clip: clip)]
                    if bits >= 2 { quantizers.append(try! UniformSymmetric(bits: bits, granularity: granularity, clip: clip)) }
                    for q in quantizers {
                        for (name, w) in Synthetic.fixtures {
                            let qt = q.quantize(w)
                            let deq = qt.dequantized().data
                            guard case let .affine(qmin, qmax) = qt.scheme else { return XCTFail() }
                            var inside = 0
                            for g in 0..<qt.groupCount {
                                let p = AffineParameters(scale: qt.scales[g], zeroPoint: qt.zeroPoints[g], qmin: qmin, qmax: qmax)
                                let range = p.representableRange
                                for i in (g * qt.groupSize)..<((g + 1) * qt.groupSize) where range.contains(w.data[i]) {
                                    inside += 1
                                    let err = abs(w.data[i] - deq[i])
                                    XCTAssertLessThanOrEqual(err, p.scale * 0.5 * (1 + 1e-5), "\(q.label) \(clip.text) \(name)")
                                }
                            }
                            // Not vacuous: most values are inside (1–2 bit asymmetric grids keep a
                            // level at 0 and so may leave one side of the data outside).
                            if bits >= 3 { XCTAssertGreaterThan(inside, w.count / 2, "\(q.label) \(name)") }
                        }
                    }
                }
            }
        }
    }

    /// Min-max grids cover the data: the extremes are clipped by at most about half a step.
    func testMinMaxCoversRange() {
        for (_, w) in Synthetic.fixtures {
            for bits in 2...8 {
                for q in [try! UniformSymmetric(bits: bits, granularity: .perTensor) as any WeightQuantizer,
                          try! UniformAsymmetric(bits: bits, granularity: .perTensor)] {
                    let qt = q.quantize(w)
                    let deq = qt.dequantized().data
                    for i in 0..<w.count {
                        XCTAssertLessThanOrEqual(abs(w.data[i] - deq[i]), qt.scales[0] * 0.51, q.label)
                    }
                }
            }
        }
    }

    func testKnownSymmetricExample() throws {
        let w = Tensor(shape: [1, 5], data: [-1, -0.3, 0, 0.26, 1])
        let qt = try UniformSymmetric(bits: 3, granularity: .perTensor).quantize(w)  // qmax 3
        XCTAssertEqual(qt.scales, [canonicalScale(1.0 / 3)])
        XCTAssertEqual(qt.codes, [-3, -1, 0, 1, 3])
        XCTAssertEqual(qt.scheme, .affine(qmin: -3, qmax: 3))
    }

    func testKnownAsymmetricExample() throws {
        let w = Tensor(shape: [1, 4], data: [-0.2, 0, 0.5, 1.3])
        let qt = try UniformAsymmetric(bits: 4, granularity: .perTensor).quantize(w)   // 15 steps over 1.5
        XCTAssertEqual(qt.scales[0], canonicalScale(0.1), accuracy: 1e-9)
        XCTAssertEqual(qt.zeroPoints, [2])
        XCTAssertEqual(qt.codes, [0, 2, 7, 15])
        XCTAssertEqual(qt.dequantized().data[1], 0)
    }

    /// The asymmetric derivation puts the range ends on codes 0 and levels, even when
    /// −low/scale is a tie (the case that needs the scale to step down).
    func testAsymmetricParametersCoverEndsOnTies() {
        var rng = SplitMix64(seed: 77)
        for trial in 0..<3000 {
            let bits = 1 + trial % 8
            let lo = -Float(rng.nextUnitDouble()) * (trial % 3 == 0 ? 0 : 2)
            let hi = Float(rng.nextUnitDouble()) * 3
            let p = AffineParameters.asymmetric(low: lo, high: hi, bits: bits)
            guard hi - lo > 0 else { continue }
            XCTAssertEqual(p.code(lo), 0)
            XCTAssertEqual(p.code(hi), p.qmax)
            let again = AffineParameters.asymmetric(low: p.value(0), high: p.value(p.qmax), bits: bits)
            XCTAssertEqual(again, p)
        }
        // Exact tie: L/scale = 2.5 with scale 1 (levels 3): zp must still cover both ends.
        let p = AffineParameters.asymmetric(low: -2.5, high: 0.5, levels: 3)
        XCTAssertEqual(p.code(-2.5), 0)
        XCTAssertEqual(p.code(0.5), 3)
    }

    func testMSEClippingNeverWorseThanMinMax() throws {
        for granularity in Granularity.allCases {
            for bits in 1...8 {
                for (name, w) in Synthetic.fixtures {
                    var pairs: [(any WeightQuantizer, any WeightQuantizer)] = [
                        (try UniformAsymmetric(bits: bits, granularity: granularity, clip: .mse),
                         try UniformAsymmetric(bits: bits, granularity: granularity, clip: .minMax))]
                    if bits >= 2 {
                        pairs.append((try UniformSymmetric(bits: bits, granularity: granularity, clip: .mse),
                                      try UniformSymmetric(bits: bits, granularity: granularity, clip: .minMax)))
                    }
                    for (mse, minmax) in pairs {
                        let a = QuantizationMetrics.mse(w, mse.fakeQuantize(w))
                        let b = QuantizationMetrics.mse(w, minmax.fakeQuantize(w))
                        // Candidates are scored with Float partial sums; allow that rounding.
                        XCTAssertLessThanOrEqual(a, b * (1 + 1e-5), "\(mse.label) \(name)")
                    }
                }
            }
        }
        // With one far outlier at low bits, MSE clipping is much better.
        var data = Synthetic.gaussian(1000, seed: 31)
        data[500] = 12
        let w = Tensor(shape: [1, 1000], data: data)
        let mse = try UniformSymmetric(bits: 3, granularity: .perTensor, clip: .mse)
        let minmax = try UniformSymmetric(bits: 3, granularity: .perTensor, clip: .minMax)
        XCTAssertLessThan(QuantizationMetrics.mse(w, mse.fakeQuantize(w)), 0.5 * QuantizationMetrics.mse(w, minmax.fakeQuantize(w)))
    }

    func testPercentileClipIsNearestRankOrderStatistic() throws {
        // |w| = 1...100 (shuffled signs): percentile 90 → the 90th smallest |w| = 90.
        var data = (1...100).map { Float($0) * (($0 % 2 == 0) ? 1 : -1) }
        data.swapAt(3, 70)
        let w = Tensor(shape: [1, 100], data: data)
        let sym = try UniformSymmetric(bits: 8, granularity: .perTensor, clip: .percentile(90)).quantize(w)
        XCTAssertEqual(sym.scales[0], canonicalScale(90 / 127))
        // Asymmetric: values −50...49 → k = 89 → high = 39, low = value at rank 10 = −40.
        let asymData = (0..<100).map { Float($0 - 50) }.reversed()
        let asym = try UniformAsymmetric(bits: 8, granularity: .perTensor, clip: .percentile(90))
            .quantize(Tensor(shape: [100], data: Array(asymData)))
        let p = AffineParameters.asymmetric(low: -40, high: 39, bits: 8)
        XCTAssertEqual(asym.scales[0], p.scale)
        XCTAssertEqual(asym.zeroPoints[0], p.zeroPoint)
        // p = 100 is min-max.
        let full = try UniformSymmetric(bits: 8, granularity: .perTensor, clip: .percentile(100)).quantize(w)
        XCTAssertEqual(full, try UniformSymmetric(bits: 8, granularity: .perTensor).quantize(w))
    }

    func testOrderStatisticSelect() {
        var rng = SplitMix64(seed: 11)
        for n in [1, 2, 7, 100, 1001] {
            var values = (0..<n).map { _ in Float(Int(rng.nextUnitFloat() * 20)) }   // many ties
            let sorted = values.sorted()
            for k in Set([0, n / 2, n - 1, (n * 9) / 10]) {
                var copy = values
                let v = copy.withUnsafeMutableBufferPointer { OrderStatistic.select($0, k: k, in: 0..<n) }
                XCTAssertEqual(v, sorted[k])
                XCTAssertTrue(copy[..<k].allSatisfy { $0 <= v } && copy[(k + 1)...].allSatisfy { $0 >= v })
            }
            values.shuffle(using: &rng)
        }
        XCTAssertEqual(OrderStatistic.rank(percentile: 99, count: 100), 98)
        XCTAssertEqual(OrderStatistic.rank(percentile: 100, count: 100), 99)
        XCTAssertEqual(OrderStatistic.rank(percentile: 99.99, count: 10), 9)
    }

    func testStochasticRoundingIsReproducibleAndSeeded() throws {
        let w = Synthetic.fixtures[0].tensor
        let a = try UniformSymmetric(bits: 4, rounding: .stochastic(seed: 42)).quantize(w)
        let b = try UniformSymmetric(bits: 4, rounding: .stochastic(seed: 42)).quantize(w)
        let c = try UniformSymmetric(bits: 4, rounding: .stochastic(seed: 43)).quantize(w)
        XCTAssertEqual(a, b)
        XCTAssertNotEqual(a.codes, c.codes)
        // Same grid as nearest rounding; codes differ from nearest by at most one step.
        let nearest = try UniformSymmetric(bits: 4).quantize(w)
        XCTAssertEqual(a.scales, nearest.scales)
        XCTAssertTrue(zip(a.codes, nearest.codes).allSatisfy { abs($0 - $1) <= 1 })
        // Grid points are fixed points: re-quantizing with the same parameters is exact.
        let q = try UniformAsymmetric(bits: 3, rounding: .stochastic(seed: 7))
        let once = q.quantize(w)
        for g in 0..<once.groupCount {
            let p = AffineParameters(scale: once.scales[g], zeroPoint: once.zeroPoints[g], qmin: 0, qmax: 7)
            for i in (g * once.groupSize)..<((g + 1) * once.groupSize) {
                XCTAssertEqual(p.code(p.value(once.codes[i])), once.codes[i])
            }
        }
    }

    /// E[Q(w)] = w inside the clip range. Each draw of an element is a two-point variable
    /// with standard deviation ≤ step/2, so the mean of N independent seeds has standard
    /// deviation ≤ step/(2√N). With N = 2000 we require every element to be within 5 of
    /// those (two-sided normal tail 5.7e-7 per element, ~1e-4 for 216 elements; the seeds
    /// are fixed, so the outcome is deterministic) and the mean bias over all elements,
    /// whose deviation is ≤ step/(2√(N·216)), within 5 of those as well.
    func testStochasticRoundingIsUnbiased() throws {
        let data = Synthetic.gaussian(216, seed: 21, std: 0.1)
        let w = Tensor(shape: [1, 216], data: data)
        let draws = 2000
        var sum = [Double](repeating: 0, count: data.count)
        var step: Float = 0
        for seed in 0..<draws {
            let qt = try UniformSymmetric(bits: 3, granularity: .perTensor, rounding: .stochastic(seed: UInt64(seed))).quantize(w)
            step = qt.scales[0]
            let deq = qt.dequantized().data
            for i in 0..<deq.count { sum[i] += Double(deq[i]) }
        }
        let sigma = Double(step) / (2 * Double(draws).squareRoot())
        var bias = 0.0
        for i in 0..<data.count {
            let mean = sum[i] / Double(draws)
            XCTAssertLessThanOrEqual(abs(mean - Double(data[i])), 5 * sigma, "element \(i)")
            bias += mean - Double(data[i])
        }
        XCTAssertLessThanOrEqual(abs(bias / Double(data.count)), 5 * sigma / Double(data.count).squareRoot())
        // Deterministic rounding of the same data is biased far beyond that for some element.
        let nearest = try UniformSymmetric(bits: 3, granularity: .perTensor).fakeQuantize(w).data
        XCTAssertGreaterThan(zip(nearest, data).map { abs(Double($0) - Double($1)) }.max()!, 10 * sigma)
    }
}
