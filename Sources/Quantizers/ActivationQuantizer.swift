import TensorMath

/// Per-tensor activation quantizer, bits 2...8, using the same affine code function
/// (`affineCode`, round half to even) as the weights: code = clamp(round(x/scale) + zp,
/// qmin, qmax), x̂ = scale · (code − zp).
///
/// Code ranges: unsigned [0, 2^b − 1]; signed [−2^(b−1), 2^(b−1) − 1] (the full two's
/// complement range, as ONNX int8 activations). Built from a clip range, the grid is the
/// asymmetric one of `AffineParameters.asymmetric` (zero exactly representable); the signed
/// variant is the same grid with codes and zero point shifted by −2^(b−1).
public struct ActivationQuantizer: Equatable, Hashable, Sendable, Codable {
    public let bits: Int
    public let signed: Bool
    public let parameters: AffineParameters

    public var scale: Float { parameters.scale }
    public var zeroPoint: Int32 { parameters.zeroPoint }
    public var qmin: Int32 { parameters.qmin }
    public var qmax: Int32 { parameters.qmax }

    /// Code range for `bits` and signedness.
    public static func codeRange(bits: Int, signed: Bool) -> ClosedRange<Int32> {
        signed ? -Int32(1 << (bits - 1))...Int32((1 << (bits - 1)) - 1) : 0...Int32((1 << bits) - 1)
    }

    /// Explicit parameters (e.g. read back from a model); `scale` is used as given.
    public init(bits: Int, signed: Bool, scale: Float, zeroPoint: Int32) throws {
        try QuantizerError.checkBits(bits, 2...8, "activation")
        guard scale > 0, scale.isFinite else { throw QuantizerError.invalidOption("activation scale \(scale)") }
        let range = Self.codeRange(bits: bits, signed: signed)
        guard range.contains(zeroPoint) else {
            throw QuantizerError.invalidOption("zero point \(zeroPoint) outside \(range)")
        }
        self.bits = bits
        self.signed = signed
        self.parameters = AffineParameters(scale: scale, zeroPoint: zeroPoint, qmin: range.lowerBound, qmax: range.upperBound)
    }

    /// The grid covering `range` (widened to contain 0).
    public init(bits: Int, signed: Bool, range: ClosedRange<Float>) throws {
        try QuantizerError.checkBits(bits, 2...8, "activation")
        guard range.lowerBound.isFinite, range.upperBound.isFinite else {
            throw QuantizerError.invalidOption("activation range \(range)")
        }
        var p = AffineParameters.asymmetric(low: range.lowerBound, high: range.upperBound, bits: bits)
        if signed {
            let shift = Int32(1 << (bits - 1))
            p = AffineParameters(scale: p.scale, zeroPoint: p.zeroPoint - shift, qmin: p.qmin - shift, qmax: p.qmax - shift)
        }
        self.bits = bits
        self.signed = signed
        self.parameters = p
    }

    /// Codes of `x` into `codes` (same count).
    public func quantize(_ x: UnsafeBufferPointer<Float>, into codes: UnsafeMutableBufferPointer<Int32>) {
        precondition(x.count == codes.count, "ActivationQuantizer: length mismatch")
        let inv = parameters.inverseScale, zp = zeroPoint, lo = qmin, hi = qmax
        for i in 0..<x.count {
            codes[i] = affineCode(x[i], inverseScale: inv, zeroPoint: zp, qmin: lo, qmax: hi)
        }
    }

    public func quantize(_ x: [Float]) -> [Int32] {
        var codes = [Int32](repeating: 0, count: x.count)
        x.withUnsafeBufferPointer { src in codes.withUnsafeMutableBufferPointer { quantize(src, into: $0) } }
        return codes
    }

    public func quantize(_ x: Tensor) -> [Int32] { quantize(x.data) }

    /// scale · (code − zp) for each code.
    public func dequantize(_ codes: [Int32], shape: [Int]) -> Tensor {
        let s = scale, zp = zeroPoint
        return Tensor(shape: shape, data: codes.map { s * Float($0 - zp) })
    }

    /// dequantize(quantize(x)), in one pass without the code array, split over threads for
    /// large tensors (it runs on every activation of every simulated forward pass). Each value
    /// gets exactly `scale · (code − zp)` as in `dequantize`, so the result is the same bits.
    public func fakeQuantize(_ x: Tensor) -> Tensor {
        let inv = parameters.inverseScale, zp = zeroPoint, lo = qmin, hi = qmax, s = scale
        var out = Tensor(uninitialized: x.shape)
        let n = x.count
        guard n > 0 else { return out }
        x.data.withUnsafeBufferPointer { src in out.data.withUnsafeMutableBufferPointer { dst in
            let sp = src.baseAddress!, dp = dst.baseAddress!
            Parallel.forRanges(n, minChunk: Parallel.elementwiseGrain) { r in
                for i in r { dp[i] = s * Float(affineCode(sp[i], inverseScale: inv, zeroPoint: zp, qmin: lo, qmax: hi) - zp) }
            }
        }}
        return out
    }
}
