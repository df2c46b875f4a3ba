import XCTest
import TensorMath
@testable import Quantizers

/// Seeded synthetic weights.
enum Synthetic {
    /// Standard normal draws (Box–Muller on SplitMix64).
    static func gaussian(_ count: Int, seed: UInt64, std: Float = 1) -> [Float] {
        var rng = SplitMix64(seed: seed)
        var out = [Float]()
        out.reserveCapacity(count)
        while out.count < count {
            let u1 = Swift.max(rng.nextUnitDouble(), 1e-300), u2 = rng.nextUnitDouble()
            let r = (-2 * log(u1)).squareRoot()
            out.append(Float(r * cos(2 * .pi * u2)) * std)
            if out.count < count { out.append(Float(r * sin(2 * .pi * u2)) * std) }
        }
        return out
    }

    static func uniform(_ count: Int, seed: UInt64, range: ClosedRange<Float>) -> [Float] {
        var rng = SplitMix64(seed: seed)
        return (0..<count).map { _ in range.lowerBound + (range.upperBound - range.lowerBound) * rng.nextUnitFloat() }
    }

    /// A small set of weight tensors that exercise the edge cases: Gaussian conv weights
    /// with per-channel spread, heavy tails, exact zeros, an all-zero channel, a constant
    /// channel, all-positive channels and a linear layer.
    static let fixtures: [(name: String, tensor: Tensor)] = {
        var conv = gaussian(8 * 4 * 3 * 3, seed: 1, std: 0.05)
        for c in 0..<8 { for i in 0..<36 { conv[c * 36 + i] *= Float(c + 1) * 0.5 } }
        var heavy = gaussian(6 * 50, seed: 2, std: 0.02)
        for i in stride(from: 0, to: heavy.count, by: 37) { heavy[i] *= 25 }
        var special = gaussian(5 * 16, seed: 3, std: 0.1)
        for i in 0..<16 { special[i] = 0 }                          // all-zero channel
        for i in 16..<32 { special[i] = 0.25 }                      // constant channel
        for i in 32..<48 { special[i] = abs(special[i]) + 0.01 }    // all positive
        for i in stride(from: 48, to: 80, by: 3) { special[i] = 0 } // scattered zeros
        let linear = uniform(10 * 24, seed: 4, range: -0.3...0.7)
        return [
            ("conv", Tensor(shape: [8, 4, 3, 3], data: conv)),
            ("heavy", Tensor(shape: [6, 50], data: heavy)),
            ("special", Tensor(shape: [5, 16], data: special)),
            ("linear", Tensor(shape: [10, 24], data: linear)),
        ]
    }()
}

/// Every quantizer configuration the property tests sweep.
enum Configurations {
    static let clips: [ClipSearch] = [.minMax, .percentile(99.9), .percentile(90), .mse]

    static func all(_ granularity: Granularity) -> [(label: String, quantizer: any WeightQuantizer)] {
        var out: [(String, any WeightQuantizer)] = []
        for bits in 1...8 {
            for clip in clips {
                if bits >= 2 {
                    out.append(("uniform:\(bits) \(clip.text)", try! UniformSymmetric(bits: bits, granularity: granularity, clip: clip)))
                }
                out.append(("uniform-asym:\(bits) \(clip.text)", try! UniformAsymmetric(bits: bits, granularity: granularity, clip: clip)))
            }
            if bits >= 2 { out.append(("pow2:\(bits)", try! PowerOfTwo(bits: bits, granularity: granularity))) }
            out.append(("kmeans:\(bits)", try! KMeansCodebook(bits: bits, granularity: granularity)))
        }
        out.append(("binary", Binary(granularity: granularity)))
        out.append(("ternary", Ternary(granularity: granularity)))
        return out
    }

    static var everything: [(label: String, quantizer: any WeightQuantizer)] {
        all(.perTensor) + all(.perChannel)
    }
}

/// One quantization per (configuration, fixture), shared by the property tests so the
/// debug suite stays fast.
struct SweepCase {
    let label: String
    let quantizer: any WeightQuantizer
    let fixture: String
    let w: Tensor
    let quantized: QuantizedTensor
    let fake: Tensor
}

enum Sweep {
    static let cases: [SweepCase] = Configurations.everything.flatMap { config in
        Synthetic.fixtures.map { fixture in
            let qt = config.quantizer.quantize(fixture.tensor)
            return SweepCase(label: "\(config.label) \(config.quantizer.granularity.rawValue) \(fixture.name)",
                             quantizer: config.quantizer, fixture: fixture.name, w: fixture.tensor,
                             quantized: qt, fake: qt.dequantized())
        }
    }
}

extension WeightQuantizer {
    var label: String { "\(type(of: self)) bits=\(bits) \(granularity.rawValue)" }
}
