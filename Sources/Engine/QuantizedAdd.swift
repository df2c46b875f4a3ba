import CKernels

/// Residual Add of two uint8 tensors with different scales/zero-points, one integer
/// multiply-add per element: `y = clamp(z_y + RoundShift(m_a (a − z_a) + m_b (b − z_b), s))`
/// with 15-bit multipliers `m_a/2^s ≈ S_a/S_y`, `m_b/2^s ≈ S_b/S_y` and round-half-up
/// (fused ReLU: qmin = output zero-point). One VPMADDWD per 8 elements on AVX2, where
/// TFLite's form (three double-rounding fixed-point multiplies) cost an eighth of the
/// engine's time; the simulator runs the same scalar definition (`bb_add_u8_ref`).
public struct QuantizedAdd: Sendable {
    public let params: bb_add_params

    public init?(aScale: Float, aZeroPoint: Int32, bScale: Float, bZeroPoint: Int32,
                 outputScale: Float, outputZeroPoint: Int32, relu: Bool = false) {
        var p = bb_add_params()
        let qmin: Int32 = relu ? max(0, outputZeroPoint) : 0
        guard bb_add_params_init(&p, Double(aScale), aZeroPoint, Double(bScale), bZeroPoint,
                                 Double(outputScale), outputZeroPoint, qmin, 255) == 0 else { return nil }
        params = p
    }

    public func run(_ a: [UInt8], _ b: [UInt8], reference: Bool = false) -> [UInt8] {
        precondition(a.count == b.count, "QuantizedAdd: \(a.count) vs \(b.count) elements")
        var out = [UInt8](repeating: 0, count: a.count)
        guard !a.isEmpty else { return out }
        var p = params
        a.withUnsafeBufferPointer { ap in
            b.withUnsafeBufferPointer { bp in
                out.withUnsafeMutableBufferPointer { op in
                    (reference ? bb_add_u8_ref : bb_add_u8)(ap.baseAddress, bp.baseAddress, a.count, &p, op.baseAddress)
                }
            }
        }
        return out
    }

    public func run(_ a: UnsafePointer<UInt8>, _ b: UnsafePointer<UInt8>, count: Int, out: UnsafeMutablePointer<UInt8>) {
        var p = params
        bb_add_u8(a, b, count, &p, out)
    }
}
