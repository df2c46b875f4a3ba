import CKernels
import Quantizers
import TensorMath

/// A quantized model as an integer program: every tensor the integer engine holds is a
/// per-image array of 8-bit codes with one per-tensor `AffineParameters` (unsigned codes,
/// `real = scale · (code − zeroPoint)`), and every step's integer parameters — weight
/// codes, int32 biases, fixed-point multipliers, add parameters — are computed **once**
/// here (`Simulator.integerProgram`), then used unchanged by the integer engine
/// (`Engine.IntegerNetwork`) and by the simulator's engine-parity mode
/// (`IntegerProgram.simulate`). Float appears only in the input quantization
/// (`quantizeInput`) and the final logits dequantization (`Conv.logit`).
public struct IntegerProgram: Sendable {
    /// One tensor: its name in the graph, per-image shape (C, H, W or C) and quantization.
    public struct Value: Sendable, Equatable {
        public var name: String
        public var shape: [Int]
        public var quantization: AffineParameters
        public var count: Int { shape.reduce(1, *) }
    }

    /// Storage format of a layer's weight codes (the engine's `WeightFormat`).
    public enum WeightKind: Sendable, Equatable, CustomStringConvertible {
        case int(bits: Int)
        case ternary
        case binary
        public var description: String {
            switch self {
            case .int(let b): return "int\(b)"
            case .ternary: return "ternary"
            case .binary: return "binary"
            }
        }
    }

    /// A layer's integer weights, `rows` output channels × `k` fan-in, row-major.
    public struct Weights: Sendable, Equatable {
        public var kind: WeightKind
        public var rows: Int
        public var k: Int
        /// Symmetric / ternary / binary: signed codes; asymmetric: unsigned codes.
        public var codes: [Int32]
        /// Asymmetric only: per-row zero points (unsigned-code domain).
        public var zeroPoints: [Int32]?
        /// Per-row real scale (statistics correction folded in).
        public var scales: [Float]

        /// code − zero point of every weight: the integers the accumulation multiplies with.
        public func centered() -> [Int32] {
            guard let zp = zeroPoints else { return codes }
            var out = codes
            for m in 0..<rows { for j in 0..<k { out[m * k + j] -= zp[m] } }
            return out
        }
    }

    /// Conv (groups = 1) or Gemm (a 1×1 conv on a C×1×1 value): im2col, integer GEMM with
    /// int32 accumulation, then either requantization (fused ReLU = qmin at the zero point)
    /// or, for the logits layer, dequantization to float.
    public struct Conv: Sendable {
        public var name: String
        public var input: Int
        /// Output value; nil for the logits layer.
        public var output: Int?
        public var channels: Int, height: Int, width: Int
        public var kernelH: Int, kernelW: Int, strideH: Int, strideW: Int
        public var padH: Int, padW: Int, dilationH: Int, dilationW: Int
        public var outH: Int, outW: Int
        public var weights: Weights
        /// round(bias / (S_w · S_x)), `Quantizers.quantizeBias`.
        public var bias: [Int32]
        /// Per-row fixed point of S_w·S_x/S_y (`bb_quantize_multiplier`).
        public var multipliers: [Int32]
        public var shifts: [Int32]
        public var outputZeroPoint: Int32
        public var qmin: Int32, qmax: Int32
        public var relu: Bool
        /// Logits layer: per-row S_w · S_x.
        public var logitScales: [Double]

        public var cols: Int { outH * outW }
        public var isPointwise: Bool {
            kernelH == 1 && kernelW == 1 && strideH == 1 && strideW == 1 && padH == 0 && padW == 0
        }

        /// Logit of row `row` from its accumulator: S_w·S_x·(acc + bias), the one float
        /// step at the output.
        @inlinable public func logit(_ acc: Int32, row: Int) -> Float {
            Float(Double(acc &+ bias[row]) * logitScales[row])
        }

        /// Calls `body` with the C requantization parameters (valid only inside `body`).
        public func withRequantParams<R>(_ body: (UnsafePointer<bb_requant_params>) throws -> R) rethrows -> R {
            try bias.withUnsafeBufferPointer { bp in
                try multipliers.withUnsafeBufferPointer { mp in
                    try shifts.withUnsafeBufferPointer { sp in
                        var p = bb_requant_params(bias: bp.baseAddress, multiplier: mp.baseAddress, shift: sp.baseAddress,
                                                  out_zero_point: outputZeroPoint, qmin: qmin, qmax: qmax)
                        return try withUnsafePointer(to: &p) { try body($0) }
                    }
                }
            }
        }
    }

    public enum Step: Sendable {
        case conv(Conv)
        /// Residual add (`bb_add_u8`: one 15-bit multiply-add per input, one rounding shift), parameters from `bb_add_params_init`.
        case add(name: String, a: Int, b: Int, output: Int, params: bb_add_params)
        /// Stand-alone ReLU on codes: max(code, zero point) (same scale).
        case relu(name: String, input: Int, output: Int)
        /// Average pooling of a CHW value (padding excluded), keeps scale and zero point.
        case averagePool(name: String, input: Int, output: Int, kernel: (Int, Int), stride: (Int, Int), padding: (Int, Int))
        /// Max pooling of a CHW value (`bb_maxpool_u8`): padded taps never win, and the output
        /// keeps the input's scale and zero point — the max of codes is the code of the max,
        /// since dequantization is increasing, so no requantization. `padding` = (top, left);
        /// the output value's shape fixes oh × ow (ceil_mode, end pads).
        case maxPool(name: String, input: Int, output: Int, kernel: (Int, Int), stride: (Int, Int), padding: (Int, Int))
        /// Strided copy: output index i of dim d reads input start[d] + i·step[d].
        case slice(name: String, input: Int, output: Int, starts: [Int], steps: [Int])
        /// Constant padding with the zero point (real 0); pads = begins then ends per dim.
        case pad(name: String, input: Int, output: Int, pads: [Int])
        /// Flatten / reshape: same codes, new shape.
        case reshape(name: String, input: Int, output: Int)

        public var name: String {
            switch self {
            case .conv(let c): return c.name
            case .add(let n, _, _, _, _), .relu(let n, _, _), .averagePool(let n, _, _, _, _, _), .maxPool(let n, _, _, _, _, _),
                 .slice(let n, _, _, _, _), .pad(let n, _, _, _), .reshape(let n, _, _): return n
            }
        }
    }

    public var values: [Value]
    public var steps: [Step]
    /// Index of the model input in `values`.
    public var input: Int
    /// Number of logits per image.
    public var classes: Int

    /// The input's codes: `affineCode` (round half to even) on the normalized image.
    public func quantizeInput(_ x: UnsafePointer<Float>, into out: UnsafeMutablePointer<UInt8>) {
        let p = values[input].quantization, n = values[input].count
        let inv = p.inverseScale
        for i in 0..<n {
            out[i] = UInt8(truncatingIfNeeded: affineCode(x[i], inverseScale: inv, zeroPoint: p.zeroPoint, qmin: p.qmin, qmax: p.qmax))
        }
    }

    /// The weight layers in order.
    public var convs: [Conv] { steps.compactMap { if case .conv(let c) = $0 { return c } else { return nil } } }

    // MARK: shared layout kernels (no arithmetic on real values)

    /// Strided slice of a row-major array of `shape`.
    public static func slice(_ x: UnsafePointer<UInt8>, shape: [Int], starts: [Int], steps: [Int], outShape: [Int],
                             out: UnsafeMutablePointer<UInt8>) {
        let inStrides = Tensor.strides(shape)
        var base = 0
        for d in 0..<shape.count { base += starts[d] * inStrides[d] }
        StridedCopy.gather(from: x, base: base, sourceStrides: (0..<shape.count).map { inStrides[$0] * steps[$0] },
                           outShape: outShape, into: out)
    }

    /// Constant padding of a row-major array of `shape` with `value` (`pads`: the begin pad of
    /// each axis first).
    public static func pad(_ x: UnsafePointer<UInt8>, shape: [Int], pads: [Int], value: UInt8, outShape: [Int],
                           out: UnsafeMutablePointer<UInt8>) {
        out.update(repeating: value, count: outShape.reduce(1, *))
        StridedCopy.scatterRows(from: x, shape: shape, offsets: Array(pads[0..<shape.count]), outShape: outShape, into: out)
    }

    /// max(code, zeroPoint).
    public static func relu(_ x: UnsafePointer<UInt8>, count: Int, zeroPoint: Int32, out: UnsafeMutablePointer<UInt8>) {
        let z = UInt8(clamping: zeroPoint)
        for i in 0..<count { out[i] = Swift.max(x[i], z) }
    }
}
