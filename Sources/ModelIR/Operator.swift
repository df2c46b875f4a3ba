import TensorMath

/// The operators BitBudget's IR knows: what ONNX exporters emit for classification CNNs.
///
/// Attributes that ONNX may pass either as attributes or as constant inputs (depending on
/// the opset) are resolved at import time, so one case has one meaning whatever the opset.
/// Tensor inputs (activations and weights) stay graph edges, named by `Node.inputs`.
public enum Operator: Sendable, Equatable {
    /// inputs: X, W, optional B.
    case conv(Conv2DGeometry, groups: Int)
    /// inputs: X, scale, B, mean, var.
    case batchNorm(epsilon: Float)
    case relu
    case clip(min: Float, max: Float)
    case leakyRelu(alpha: Float)
    case sigmoid
    case hardSigmoid(alpha: Float, beta: Float)
    case hardSwish
    case maxPool(Conv2DGeometry, ceilMode: Bool)
    case averagePool(Conv2DGeometry, ceilMode: Bool, countIncludePad: Bool)
    case globalAveragePool
    case binary(BinaryOp)
    case concat(axis: Int)
    case pad(pads: [Int], mode: Tensor.PadMode, value: Float)
    /// starts/ends/axes/steps as given (normalized against the runtime shape).
    case slice(starts: [Int], ends: [Int], axes: [Int], steps: [Int])
    case flatten(axis: Int)
    /// `allowZero` = false: a 0 copies the input dimension.
    case reshape(shape: [Int], allowZero: Bool)
    case transpose(perm: [Int]?)
    case squeeze(axes: [Int]?)
    case unsqueeze(axes: [Int])
    /// inputs: A, B, optional C.
    case gemm(alpha: Float, beta: Float, transA: Bool, transB: Bool)
    case matMul
    /// `coerce2D`: opset < 13 semantics (flatten to 2-D at `axis`, softmax over the tail).
    case softmax(axis: Int, coerce2D: Bool)
    case reduceMean(axes: [Int]?, keepDims: Bool)
    /// Identity, and Dropout in inference.
    case identity

    /// The ONNX op type this case imports from / exports to.
    public var onnxType: String {
        switch self {
        case .conv: return "Conv"
        case .batchNorm: return "BatchNormalization"
        case .relu: return "Relu"
        case .clip: return "Clip"
        case .leakyRelu: return "LeakyRelu"
        case .sigmoid: return "Sigmoid"
        case .hardSigmoid: return "HardSigmoid"
        case .hardSwish: return "HardSwish"
        case .maxPool: return "MaxPool"
        case .averagePool: return "AveragePool"
        case .globalAveragePool: return "GlobalAveragePool"
        case .binary(let op):
            switch op { case .add: return "Add"; case .sub: return "Sub"; case .mul: return "Mul"; case .div: return "Div" }
        case .concat: return "Concat"
        case .pad: return "Pad"
        case .slice: return "Slice"
        case .flatten: return "Flatten"
        case .reshape: return "Reshape"
        case .transpose: return "Transpose"
        case .squeeze: return "Squeeze"
        case .unsqueeze: return "Unsqueeze"
        case .gemm: return "Gemm"
        case .matMul: return "MatMul"
        case .softmax: return "Softmax"
        case .reduceMean: return "ReduceMean"
        case .identity: return "Identity"
        }
    }

    /// True for layers whose weights BitBudget quantizes (Conv, Gemm, MatMul with a constant operand).
    public var isWeightLayer: Bool {
        switch self {
        case .conv, .gemm, .matMul: return true
        default: return false
        }
    }
}
