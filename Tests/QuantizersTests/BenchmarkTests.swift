import XCTest
import Foundation
import TensorMath
@testable import Quantizers

/// Timings on conv-sized tensors. Opt-in (they are meaningful in release builds only):
///     QUANTIZERS_BENCH=1 swift test -c release --filter QuantizersTests.BenchmarkTests
final class BenchmarkTests: XCTestCase {
    func time(_ label: String, repeats: Int = 5, _ body: () -> Void) {
        body()
        let start = DispatchTime.now().uptimeNanoseconds
        for _ in 0..<repeats { body() }
        let ms = Double(DispatchTime.now().uptimeNanoseconds - start) / 1e6 / Double(repeats)
        print(String(format: "BENCH %-48@ %8.2f ms", label as NSString, ms))
    }

    func testTimings() throws {
        try XCTSkipUnless(ProcessInfo.processInfo.environment["QUANTIZERS_BENCH"] != nil, "set QUANTIZERS_BENCH=1")
        let w100k = Tensor(shape: [128, 800], data: Synthetic.gaussian(102_400, seed: 1, std: 0.05))
        let w600k = Tensor(shape: [512, 1152], data: Synthetic.gaussian(589_824, seed: 2, std: 0.05))
        for (name, w) in [("100k", w100k), ("590k", w600k)] {
            for g in Granularity.allCases {
                time("uniform:4 minmax \(g.rawValue) \(name)") { _ = try! UniformSymmetric(bits: 4, granularity: g).quantize(w) }
                time("uniform:4 mse \(g.rawValue) \(name)") { _ = try! UniformSymmetric(bits: 4, granularity: g, clip: .mse).quantize(w) }
                time("uniform-asym:4 mse \(g.rawValue) \(name)") { _ = try! UniformAsymmetric(bits: 4, granularity: g, clip: .mse).quantize(w) }
                time("uniform:4 percentile:99.99 \(g.rawValue) \(name)") { _ = try! UniformSymmetric(bits: 4, granularity: g, clip: .percentile(99.99)).quantize(w) }
                time("uniform:4 stochastic \(g.rawValue) \(name)") { _ = try! UniformSymmetric(bits: 4, granularity: g, rounding: .stochastic(seed: 1)).quantize(w) }
                time("pow2:4 \(g.rawValue) \(name)") { _ = try! PowerOfTwo(bits: 4, granularity: g).quantize(w) }
                time("kmeans:4 \(g.rawValue) \(name)", repeats: 2) { _ = try! KMeansCodebook(bits: 4, granularity: g).quantize(w) }
                time("ternary \(g.rawValue) \(name)") { _ = Ternary(granularity: g).quantize(w) }
                time("dequantize uniform:4 \(g.rawValue) \(name)") { _ = try! UniformSymmetric(bits: 4, granularity: g).quantize(w).dequantized() }
            }
        }
        var obs = ActivationObserver()
        let acts = Synthetic.gaussian(1 << 20, seed: 3).map { max($0, 0) }
        time("observer.observe 1M") { var o = ActivationObserver(); o.observe(acts) }
        obs.observe(acts)
        time("calibrate kl 2048 bins") { _ = try! obs.clipRange(.kl, bits: 8) }
        time("calibrate mse 2048 bins") { _ = try! obs.clipRange(.mse, bits: 8) }
    }
}
