import TensorMath

extension QuantizedTensor {
    /// Maps every code back to its real value (see `QuantizationScheme` for each formula).
    /// For every quantizer, `quantize(w).dequantized()` is its fake-quantized output.
    public func dequantized() -> Tensor {
        let n = codes.count
        let groups = groupCount
        let size = groupSize
        var out = [Float](repeating: 0, count: n)
        guard n > 0, groups > 0 else { return Tensor(shape: shape, data: out) }
        let scheme = self.scheme
        let maxMagnitude = Int32((1 << Swift.max(bits - 1, 0)) - 1)
        codes.withUnsafeBufferPointer { c in
            out.withUnsafeMutableBufferPointer { o in
                for g in 0..<groups {
                    let s = scales[g], zp = zeroPoints[g]
                    let range = (g * size)..<((g + 1) * size)
                    switch scheme {
                    case .affine:
                        for i in range { o[i] = s * Float(c[i] - zp) }
                    case .binary, .ternary:
                        for i in range { o[i] = s * Float(c[i]) }
                    case .powerOfTwo:
                        for i in range { o[i] = Self.powerOfTwoValue(code: c[i], scale: s, maxMagnitude: maxMagnitude) }
                    case .codebook(let book):
                        let k = 1 << bits
                        book.withUnsafeBufferPointer { b in
                            for i in range { o[i] = b[g * k + Int(c[i])] }
                        }
                    }
                }
            }
        }
        return Tensor(shape: shape, data: out)
    }

    /// sign(code) · scale · 2^(|code| − n); 0 for code 0. `n` = 2^(bits−1) − 1.
    @inlinable
    public static func powerOfTwoValue(code: Int32, scale: Float, maxMagnitude n: Int32) -> Float {
        if code == 0 { return 0 }
        let magnitude = Float(sign: .plus, exponent: Int(abs(code) - n), significand: scale)
        return code < 0 ? -magnitude : magnitude
    }
}
