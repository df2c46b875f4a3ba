import Foundation
import TensorMath

/// Error metrics between a reference and its quantized version (accumulated in Double).
public enum QuantizationMetrics {
    /// Mean squared error (1/n) Σ (a − b)²; 0 for empty inputs.
    public static func mse(_ a: [Float], _ b: [Float]) -> Double {
        precondition(a.count == b.count, "mse: length mismatch")
        guard !a.isEmpty else { return 0 }
        var sum = 0.0
        a.withUnsafeBufferPointer { a in
            b.withUnsafeBufferPointer { b in
                for i in 0..<a.count { let d = Double(a[i]) - Double(b[i]); sum += d * d }
            }
        }
        return sum / Double(a.count)
    }

    /// Signal-to-quantization-noise ratio 10·log10(Σ s² / Σ (s − q)²) in dB;
    /// +∞ when the noise is zero (and the signal is not), −∞ for a zero signal with noise,
    /// NaN when both are zero.
    public static func sqnr(signal: [Float], quantized: [Float]) -> Double {
        precondition(signal.count == quantized.count, "sqnr: length mismatch")
        var power = 0.0, noise = 0.0
        for i in 0..<signal.count {
            let s = Double(signal[i]), d = s - Double(quantized[i])
            power += s * s
            noise += d * d
        }
        if noise == 0 { return power == 0 ? .nan : .infinity }
        return 10 * log10(power / noise)
    }

    /// a·b / (‖a‖‖b‖); 1 when both are all-zero, 0 when exactly one is.
    public static func cosineSimilarity(_ a: [Float], _ b: [Float]) -> Double {
        precondition(a.count == b.count, "cosineSimilarity: length mismatch")
        var dot = 0.0, na = 0.0, nb = 0.0
        for i in 0..<a.count {
            let x = Double(a[i]), y = Double(b[i])
            dot += x * y; na += x * x; nb += y * y
        }
        if na == 0 && nb == 0 { return 1 }
        if na == 0 || nb == 0 { return 0 }
        return dot / (na.squareRoot() * nb.squareRoot())
    }

    public static func mse(_ a: Tensor, _ b: Tensor) -> Double {
        precondition(a.shape == b.shape, "mse: shape mismatch")
        return mse(a.data, b.data)
    }

    public static func sqnr(signal: Tensor, quantized: Tensor) -> Double {
        precondition(signal.shape == quantized.shape, "sqnr: shape mismatch")
        return sqnr(signal: signal.data, quantized: quantized.data)
    }

    public static func cosineSimilarity(_ a: Tensor, _ b: Tensor) -> Double {
        precondition(a.shape == b.shape, "cosineSimilarity: shape mismatch")
        return cosineSimilarity(a.data, b.data)
    }
}
