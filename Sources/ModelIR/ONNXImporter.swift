import Foundation
import ONNXProto
import SwiftProtobuf
import TensorMath

/// Reads an ONNX file (default-domain opsets 6–22) into a `Graph`.
///
/// Attribute-vs-input differences between opsets (Clip, Pad, Slice, Squeeze, Unsqueeze,
/// ReduceMean, Softmax) are resolved here, so the IR has one meaning per operator.
/// Inputs that must be constant for that (Pad amounts, Slice bounds, Reshape shapes…) have to
/// come from initializers or `Constant` nodes; otherwise the import fails with the node named.
public struct ONNXImporter {
    /// The file being imported (used in every error message).
    public let file: String

    /// Op types the importer accepts (what `bitbudget info` and unsupported-op errors list).
    public static let supportedOps: [String] = [
        "Add", "AveragePool", "BatchNormalization", "Clip", "Concat", "Constant", "Conv", "Div", "Dropout",
        "Flatten", "Gemm", "GlobalAveragePool", "HardSigmoid", "HardSwish", "Identity", "LeakyRelu", "MatMul",
        "MaxPool", "Mul", "Pad", "ReduceMean", "Relu", "Reshape", "Sigmoid", "Slice", "Softmax", "Squeeze",
        "Sub", "Transpose", "Unsqueeze",
    ]

    /// Loads and imports `path`.
    public static func load(_ path: String) throws -> Graph {
        guard FileManager.default.fileExists(atPath: path) else { throw ModelError(file: path, "no such file") }
        guard let data = FileManager.default.contents(atPath: path) else { throw ModelError(file: path, "cannot be read") }
        return try ONNXImporter(file: path).importModel(data)
    }

    public init(file: String) { self.file = file }

    func err(_ m: String) -> ModelError { ModelError(file: file, m) }

    /// Decodes serialized ModelProto bytes and converts them.
    public func importModel(_ data: Data) throws -> Graph {
        if data.isEmpty { throw err("empty file, not an ONNX model") }
        let model: Onnx_ModelProto
        do {
            model = try Onnx_ModelProto(serializedBytes: data)
        } catch {
            throw err("not a valid ONNX model (protobuf decoding failed: \(error)); the file may be truncated or corrupt")
        }
        guard model.hasGraph, !model.graph.node.isEmpty else {
            throw err("not a valid ONNX model (no graph or no nodes); the file may be truncated or corrupt")
        }
        var opset = 0
        for o in model.opsetImport where o.domain.isEmpty || o.domain == "ai.onnx" { opset = Int(o.version) }
        if opset == 0 { opset = model.opsetImport.isEmpty ? 1 : 0 }
        guard (6...22).contains(opset) else {
            throw err("default-domain opset \(opset) is outside the supported range 6–22")
        }
        return try convert(model.graph, opset: opset, metadata: Dictionary(
            model.metadataProps.map { ($0.key, $0.value) }, uniquingKeysWith: { $1 }))
    }

    private func convert(_ g: Onnx_GraphProto, opset: Int, metadata: [String: String]) throws -> Graph {
        var ctx = Context(importer: self, opset: opset)
        for t in g.initializer {
            ctx.constants[t.name] = try tensor(t)
            if isIntegral(t) { ctx.integers[t.name] = try integers(of: t) }
        }
        let inputs: [ValueInfo] = g.input.filter { ctx.constants[$0.name] == nil }.map { vi in
            ValueInfo(name: vi.name, shape: vi.type.tensorType.shape.dim.map { d in
                if case .dimValue(let v)? = d.value, v > 0 { return Int(v) } else { return nil }
            })
        }
        guard let input = inputs.first else { throw err("graph has no (non-initializer) input") }
        ctx.fixedUnitBatch = input.shape.first == 1
        var names = Set<String>()
        for (i, n) in g.node.enumerated() {
            var name = n.name.isEmpty ? "\(n.opType)_\(i)" : n.name
            while names.contains(name) { name += "_" }
            names.insert(name)
            if let node = try ctx.node(n, name: name) { ctx.nodes.append(node) }
        }
        // Keep only the constants the graph still reads as tensors.
        var used = Set<String>()
        for n in ctx.nodes { for v in n.inputs { used.insert(v) } }
        let initializers = ctx.constants.filter { used.contains($0.key) }
        // Weights and statistics must be numbers: a NaN or infinity would reach the quantizers'
        // rounding, whose integer conversion has no answer for it.
        for name in initializers.keys.sorted() where !initializers[name]!.data.allSatisfy(\.isFinite) {
            throw err("initializer '\(name)' holds NaN or infinite values")
        }
        let graph = Graph(name: g.name, inputs: inputs, outputs: g.output.map(\.name), nodes: ctx.nodes,
                          initializers: initializers, metadata: metadata, opset: opset)
        try GraphValidator.validate(graph, file: file)
        return graph
    }
}

/// Per-import state: constants seen so far and the nodes built.
struct Context {
    let importer: ONNXImporter
    let opset: Int
    var constants: [String: Tensor] = [:]
    var integers: [String: [Int]] = [:]
    var nodes: [Node] = []
    var fixedUnitBatch = false

    init(importer: ONNXImporter, opset: Int) { self.importer = importer; self.opset = opset }

    func fail(_ n: Onnx_NodeProto, _ name: String, _ m: String) -> ModelError {
        importer.err("node '\(name)' (\(n.opType)): \(m)")
    }

    /// Converts one ONNX node; nil when it folds away into a constant.
    mutating func node(_ n: Onnx_NodeProto, name: String) throws -> Node? {
        if !n.domain.isEmpty && n.domain != "ai.onnx" {
            throw importer.err("unsupported operator '\(n.domain).\(n.opType)' in node '\(name)' (custom domains are not supported; supported ops: \(ONNXImporter.supportedOps.joined(separator: ", ")))")
        }
        let a = Attributes(n.attribute)
        let ins = n.input, outs = n.output
        guard !outs.isEmpty else { throw fail(n, name, "node has no outputs") }
        // A NaN attribute (epsilon, alpha, a clip bound…) has no meaning in any operator.
        for attr in n.attribute where attr.f.isNaN || attr.floats.contains(where: \.isNaN) {
            throw fail(n, name, "attribute '\(attr.name)' is NaN")
        }
        func need(_ count: Int) throws {
            if ins.count < count || ins.prefix(count).contains(where: \.isEmpty) { throw fail(n, name, "expects at least \(count) inputs, has \(ins.count)") }
        }
        /// An integer list from a constant input (nil when the input is absent).
        func ints(_ i: Int) throws -> [Int]? {
            guard i < ins.count, !ins[i].isEmpty else { return nil }
            if let v = integers[ins[i]] { return v }
            if let t = constants[ins[i]] {
                return try t.data.map { v in
                    guard let k = Int(exactly: v.rounded()), Float(k) == v else {
                        throw fail(n, name, "input \(i) ('\(ins[i])') holds \(v), not an integer")
                    }
                    return k
                }
            }
            throw fail(n, name, "input \(i) ('\(ins[i])') must be a constant (initializer or Constant node)")
        }
        func scalar(_ i: Int) throws -> Float? {
            guard i < ins.count, !ins[i].isEmpty else { return nil }
            guard let t = constants[ins[i]], t.count == 1 else {
                throw fail(n, name, "input \(i) ('\(ins[i])') must be a constant scalar")
            }
            guard !t.data[0].isNaN else { throw fail(n, name, "input \(i) ('\(ins[i])') is NaN") }
            return t.data[0]
        }
        let op: Operator
        switch n.opType {
        case "Constant":
            if let t = a.tensor("value") {
                constants[outs[0]] = try importer.tensor(t)
                if importer.isIntegral(t) { integers[outs[0]] = try importer.integers(of: t) }
            } else if let f = a.float("value_float") {
                constants[outs[0]] = Tensor(scalar: f)
            } else if let fs = a.floats("value_floats") {
                constants[outs[0]] = Tensor(shape: [fs.count], data: fs)
            } else if let i = a.int("value_int") {
                constants[outs[0]] = Tensor(scalar: Float(i)); integers[outs[0]] = [i]
            } else if let is_ = a.ints("value_ints") {
                constants[outs[0]] = Tensor(shape: [is_.count], data: is_.map(Float.init)); integers[outs[0]] = is_
            } else {
                throw fail(n, name, "Constant without a supported value attribute")
            }
            return nil
        case "Conv":
            try need(2)
            guard let w = constants[ins[1]], w.rank == 4 else {
                throw fail(n, name, "only 2-D convolutions with constant weights are supported")
            }
            let kernel = a.ints("kernel_shape") ?? [w.shape[2], w.shape[3]]
            guard kernel == [w.shape[2], w.shape[3]] else {
                throw fail(n, name, "kernel_shape \(kernel) disagrees with the weight's \(w.shape[2])×\(w.shape[3]) kernel")
            }
            op = .conv(try geometry(n, name, a, kernel: kernel, pool: false), groups: a.int("group") ?? 1)
        case "BatchNormalization":
            try need(5)
            let epsilon = a.float("epsilon") ?? 1e-5
            guard epsilon.isFinite, epsilon >= 0 else { throw fail(n, name, "epsilon \(epsilon) must be finite and >= 0") }
            op = .batchNorm(epsilon: epsilon)
        case "Relu": op = .relu
        case "Clip":
            if opset < 11 {
                op = .clip(min: a.float("min") ?? -Float.greatestFiniteMagnitude, max: a.float("max") ?? Float.greatestFiniteMagnitude)
            } else {
                op = .clip(min: try scalar(1) ?? -Float.greatestFiniteMagnitude, max: try scalar(2) ?? Float.greatestFiniteMagnitude)
            }
        case "LeakyRelu": op = .leakyRelu(alpha: a.float("alpha") ?? 0.01)
        case "Sigmoid": op = .sigmoid
        case "HardSigmoid": op = .hardSigmoid(alpha: a.float("alpha") ?? 0.2, beta: a.float("beta") ?? 0.5)
        case "HardSwish": op = .hardSwish
        case "MaxPool":
            guard let k = a.ints("kernel_shape"), k.count == 2 else { throw fail(n, name, "only 2-D pooling is supported") }
            if outs.count > 1 && !outs[1].isEmpty { throw fail(n, name, "the Indices output is not supported") }
            if a.int("storage_order") == 1 { throw fail(n, name, "storage_order=1 is not supported") }
            op = .maxPool(try geometry(n, name, a, kernel: k, pool: true), ceilMode: a.int("ceil_mode") == 1)
        case "AveragePool":
            guard let k = a.ints("kernel_shape"), k.count == 2 else { throw fail(n, name, "only 2-D pooling is supported") }
            if let d = a.ints("dilations"), d.contains(where: { $0 != 1 }) { throw fail(n, name, "dilated average pooling is not supported") }
            op = .averagePool(try geometry(n, name, a, kernel: k, pool: true), ceilMode: a.int("ceil_mode") == 1,
                              countIncludePad: a.int("count_include_pad") == 1)
        case "GlobalAveragePool": op = .globalAveragePool
        case "Add": op = .binary(.add)
        case "Sub": op = .binary(.sub)
        case "Mul": op = .binary(.mul)
        case "Div": op = .binary(.div)
        case "Concat":
            guard let axis = a.int("axis") else { throw fail(n, name, "missing axis") }
            op = .concat(axis: axis)
        case "Pad":
            let modeName = a.string("mode") ?? "constant"
            guard let mode = Tensor.PadMode(rawValue: modeName) else { throw fail(n, name, "pad mode '\(modeName)' is not supported (constant, reflect, edge)") }
            if opset < 11 {
                guard let pads = a.ints("pads") ?? a.ints("paddings") else { throw fail(n, name, "missing pads") }
                op = .pad(pads: pads, mode: mode, value: a.float("value") ?? 0)
            } else {
                guard let pads = try ints(1) else { throw fail(n, name, "missing pads input") }
                if ins.count > 3, !ins[3].isEmpty { throw fail(n, name, "the axes input is not supported") }
                op = .pad(pads: pads, mode: mode, value: try scalar(2) ?? 0)
            }
        case "Slice":
            if opset < 10 {
                guard let s = a.ints("starts"), let e = a.ints("ends") else { throw fail(n, name, "missing starts/ends") }
                op = .slice(starts: s, ends: e, axes: a.ints("axes") ?? [], steps: [])
            } else {
                guard let s = try ints(1), let e = try ints(2) else { throw fail(n, name, "missing starts/ends inputs") }
                op = .slice(starts: s, ends: e, axes: try ints(3) ?? [], steps: try ints(4) ?? [])
            }
        case "Flatten": op = .flatten(axis: a.int("axis") ?? 1)
        case "Reshape":
            let shape: [Int]
            if opset < 5, let s = a.ints("shape") { shape = s } else {
                guard let s = try ints(1) else { throw fail(n, name, "missing shape input") }
                shape = s
            }
            let allowZero = a.int("allowzero") == 1
            // A file exported at a fixed batch of 1 spells the batch as a literal 1; make it
            // "copy the input's first dimension" so batched evaluation works.
            var s = shape
            if fixedUnitBatch, s.first == 1, s.count >= 2, !allowZero { s[0] = 0 }
            op = .reshape(shape: s, allowZero: allowZero)
        case "Transpose": op = .transpose(perm: a.ints("perm"))
        case "Squeeze":
            op = .squeeze(axes: opset < 13 ? a.ints("axes") : try ints(1))
        case "Unsqueeze":
            guard let axes = opset < 13 ? a.ints("axes") : try ints(1) else { throw fail(n, name, "missing axes") }
            op = .unsqueeze(axes: axes)
        case "Gemm":
            try need(2)
            op = .gemm(alpha: a.float("alpha") ?? 1, beta: a.float("beta") ?? 1,
                       transA: a.int("transA") == 1, transB: a.int("transB") == 1)
        case "MatMul": try need(2); op = .matMul
        case "Softmax":
            op = .softmax(axis: a.int("axis") ?? (opset < 13 ? 1 : -1), coerce2D: opset < 13)
        case "ReduceMean":
            let axes = opset < 18 ? a.ints("axes") : try ints(1)
            if opset >= 18, axes == nil, a.int("noop_with_empty_axes") == 1 { op = .identity; break }
            op = .reduceMean(axes: axes, keepDims: (a.int("keepdims") ?? 1) == 1)
        case "Dropout", "Identity":
            // Dropout's optional mask output is dropped; a node that reads it fails validation.
            op = .identity
        default:
            throw importer.err("unsupported operator '\(n.opType)' in node '\(name)'; supported: \(ONNXImporter.supportedOps.joined(separator: ", "))")
        }
        try need(1)
        let inputs = Array(ins.prefix(Self.tensorInputCount(op, ins.count)))
        return Node(name: name, op: op, inputs: inputs, outputs: [outs[0]])
    }

    /// How many ONNX inputs stay graph edges (the rest were attributes resolved above).
    static func tensorInputCount(_ op: Operator, _ given: Int) -> Int {
        switch op {
        case .conv, .gemm: return min(given, 3)
        case .batchNorm: return 5
        case .binary, .matMul: return 2
        case .concat: return given
        default: return 1
        }
    }

    /// Kernel sizes, strides and dilations above this are refused: no image classifier uses
    /// them, and bounding them keeps every size computed from them far from overflow.
    static let geometryLimit = 4096

    /// A Conv's or pool's 2-D window. A pad may not exceed the (dilated) kernel extent, and a
    /// pool's must stay below it (as ONNX Runtime requires): a larger pad only adds outputs
    /// that read padding alone, and an unbounded pad is an unbounded allocation.
    func geometry(_ n: Onnx_NodeProto, _ name: String, _ a: Attributes, kernel: [Int], pool: Bool) throws -> Conv2DGeometry {
        guard kernel.count == 2 else { throw fail(n, name, "only 2-D kernels are supported, got \(kernel)") }
        let limit = Self.geometryLimit
        guard kernel.allSatisfy({ $0 > 0 && $0 <= limit }) else { throw fail(n, name, "bad kernel_shape \(kernel)") }
        let strides = a.ints("strides") ?? [1, 1], dil = a.ints("dilations") ?? [1, 1]
        guard strides.count == 2, dil.count == 2, strides.allSatisfy({ $0 > 0 && $0 <= limit }), dil.allSatisfy({ $0 > 0 && $0 <= limit }) else {
            throw fail(n, name, "bad strides \(strides) or dilations \(dil)")
        }
        let extent = [(kernel[0] - 1) * dil[0] + 1, (kernel[1] - 1) * dil[1] + 1]
        var g = Conv2DGeometry(kernelH: kernel[0], kernelW: kernel[1], strideH: strides[0], strideW: strides[1],
                               dilationH: dil[0], dilationW: dil[1])
        let autoPad = a.string("auto_pad") ?? "NOTSET"
        switch autoPad {
        case "NOTSET", "":
            let p = a.ints("pads") ?? [0, 0, 0, 0]
            guard p.count == 4, p.allSatisfy({ $0 >= 0 }) else { throw fail(n, name, "bad pads \(p)") }
            let most = pool ? [extent[0] - 1, extent[1] - 1] : extent
            guard p[0] <= most[0], p[2] <= most[0], p[1] <= most[1], p[3] <= most[1] else {
                let window = "\(extent[0])×\(extent[1])"
                throw fail(n, name, pool ? "pads \(p) must stay below the \(window) pool window" : "pads \(p) exceed the \(window) kernel window")
            }
            (g.padTop, g.padLeft, g.padBottom, g.padRight) = (p[0], p[1], p[2], p[3])
        case "VALID": break
        case "SAME_UPPER", "SAME_LOWER":
            g.autoPad = autoPad == "SAME_UPPER" ? .sameUpper : .sameLower
        default: throw fail(n, name, "unknown auto_pad '\(autoPad)'")
        }
        return g
    }
}

/// Typed access to a node's attributes.
struct Attributes {
    private let byName: [String: Onnx_AttributeProto]
    init(_ list: [Onnx_AttributeProto]) { byName = Dictionary(list.map { ($0.name, $0) }, uniquingKeysWith: { $1 }) }
    func int(_ k: String) -> Int? { byName[k].map { Int($0.i) } }
    func float(_ k: String) -> Float? { byName[k].map { $0.f } }
    func ints(_ k: String) -> [Int]? { byName[k].map { $0.ints.map(Int.init) } }
    func floats(_ k: String) -> [Float]? { byName[k].map { $0.floats } }
    func string(_ k: String) -> String? { byName[k].map { String(decoding: $0.s, as: UTF8.self) } }
    func tensor(_ k: String) -> Onnx_TensorProto? { byName[k].flatMap { $0.hasT ? $0.t : nil } }
}
