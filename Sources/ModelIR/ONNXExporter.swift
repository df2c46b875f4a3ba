import Foundation
import ONNXProto
import SwiftProtobuf
import TensorMath

/// Writes a float `Graph` as an ONNX model (opset 13, or 14 when HardSwish or
/// Reshape(allowzero) needs it).
///
/// Initializers are float32 `raw_data` (little-endian); attribute-like inputs that opset 13
/// passes as tensors (Clip bounds, Pad amounts, Slice bounds, Reshape shapes, Squeeze/Unsqueeze
/// axes) become extra int64/float initializers named after their node. `metadata` becomes
/// `metadata_props` (BitBudget's `mean`, `std`, `classes`). The graph input keeps its declared
/// shape with a symbolic batch dimension. Re-importing the file gives the same graph
/// semantics, so the float executor produces identical outputs.
public enum ONNXExporter {
    /// Serializes `graph` into ONNX bytes.
    public static func serialize(_ graph: Graph) throws -> Data {
        var model = Onnx_ModelProto()
        model.irVersion = 8
        model.producerName = "bitbudget"
        model.producerVersion = "0.1"
        var opset = 13
        var g = Onnx_GraphProto()
        g.name = graph.name.isEmpty ? "bitbudget" : graph.name
        var extra: [Onnx_TensorProto] = []
        var usedNames = Set(graph.initializers.keys)
        for n in graph.nodes { for o in n.outputs { usedNames.insert(o) } }
        func fresh(_ base: String) -> String {
            var s = base
            while usedNames.contains(s) { s += "_" }
            usedNames.insert(s)
            return s
        }
        func int64s(_ base: String, _ v: [Int]) -> String {
            let name = fresh(base)
            var t = Onnx_TensorProto()
            t.name = name; t.dataType = 7; t.dims = [Int64(v.count)]
            var raw = Data(capacity: v.count * 8)
            for x in v { withUnsafeBytes(of: Int64(x).littleEndian) { raw.append(contentsOf: $0) } }
            t.rawData = raw
            extra.append(t)
            return name
        }
        func scalarFloat(_ base: String, _ v: Float) -> String {
            let name = fresh(base)
            extra.append(floatTensor(name, Tensor(scalar: v)))
            return name
        }

        for n in graph.nodes {
            var p = Onnx_NodeProto()
            p.name = n.name
            p.opType = n.op.onnxType
            p.input = n.inputs
            p.output = n.outputs
            var attrs: [Onnx_AttributeProto] = []
            switch n.op {
            case let .conv(geo, groups):
                attrs += geometryAttributes(geo, dilations: true)
                attrs.append(.int("group", groups))
            case let .batchNorm(eps):
                attrs.append(.float("epsilon", eps))
            case .relu, .sigmoid, .globalAveragePool, .binary, .matMul, .identity:
                break
            case let .clip(lo, hi):
                p.input = [n.inputs[0],
                           lo == -Float.greatestFiniteMagnitude ? "" : scalarFloat(n.name + "_min", lo),
                           hi == Float.greatestFiniteMagnitude ? "" : scalarFloat(n.name + "_max", hi)]
                while p.input.last == "" { p.input.removeLast() }
            case let .leakyRelu(alpha):
                attrs.append(.float("alpha", alpha))
            case let .hardSigmoid(alpha, beta):
                attrs.append(.float("alpha", alpha)); attrs.append(.float("beta", beta))
            case .hardSwish:
                opset = max(opset, 14)
            case let .maxPool(geo, ceil):
                attrs += geometryAttributes(geo, dilations: true)
                if ceil { attrs.append(.int("ceil_mode", 1)) }
            case let .averagePool(geo, ceil, includePad):
                attrs += geometryAttributes(geo, dilations: false)
                if ceil { attrs.append(.int("ceil_mode", 1)) }
                if includePad { attrs.append(.int("count_include_pad", 1)) }
            case let .concat(axis):
                attrs.append(.int("axis", axis))
            case let .pad(pads, mode, value):
                attrs.append(.string("mode", mode.rawValue))
                p.input = [n.inputs[0], int64s(n.name + "_pads", pads), scalarFloat(n.name + "_value", value)]
            case let .slice(starts, ends, axes, steps):
                p.input = [n.inputs[0], int64s(n.name + "_starts", starts), int64s(n.name + "_ends", ends)]
                if !axes.isEmpty || !steps.isEmpty {
                    p.input.append(int64s(n.name + "_axes", axes.isEmpty ? Array(0..<starts.count) : axes))
                }
                if !steps.isEmpty { p.input.append(int64s(n.name + "_steps", steps)) }
            case let .flatten(axis):
                attrs.append(.int("axis", axis))
            case let .reshape(shape, allowZero):
                p.input = [n.inputs[0], int64s(n.name + "_shape", shape)]
                if allowZero { attrs.append(.int("allowzero", 1)); opset = max(opset, 14) }
            case let .transpose(perm):
                if let perm { attrs.append(.ints("perm", perm)) }
            case let .squeeze(axes):
                if let axes { p.input = [n.inputs[0], int64s(n.name + "_axes", axes)] }
            case let .unsqueeze(axes):
                p.input = [n.inputs[0], int64s(n.name + "_axes", axes)]
            case let .gemm(alpha, beta, transA, transB):
                if alpha != 1 { attrs.append(.float("alpha", alpha)) }
                if beta != 1 { attrs.append(.float("beta", beta)) }
                if transA { attrs.append(.int("transA", 1)) }
                if transB { attrs.append(.int("transB", 1)) }
            case let .softmax(axis, coerce2D):
                if coerce2D && axis != -1 {
                    throw ModelError(file: graph.name, "node '\(n.name)': opset<13 Softmax over axis \(axis) cannot be written at opset 13")
                }
                attrs.append(.int("axis", axis))
            case let .reduceMean(axes, keepDims):
                if let axes { attrs.append(.ints("axes", axes)) }
                attrs.append(.int("keepdims", keepDims ? 1 : 0))
            }
            p.attribute = attrs
            g.node.append(p)
        }
        for name in graph.initializers.keys.sorted() {
            g.initializer.append(floatTensor(name, graph.initializers[name]!))
        }
        g.initializer += extra
        g.input = graph.inputs.map { vi in
            valueInfo(vi.name, shape: vi.shape.enumerated().map { i, d in d.map { .value($0) } ?? .param(i == 0 ? "N" : "d\(i)") })
        }
        let ranks = inferRanks(graph)
        g.output = graph.outputs.map { name in
            valueInfo(name, shape: ranks[name].map { r in (0..<r).map { .param($0 == 0 ? "N" : "\(name)_d\($0)") } })
        }
        model.graph = g
        var o = Onnx_OperatorSetIdProto()
        o.domain = ""; o.version = Int64(opset)
        model.opsetImport = [o]
        model.metadataProps = graph.metadata.keys.sorted().map { k in
            var e = Onnx_StringStringEntryProto(); e.key = k; e.value = graph.metadata[k]!; return e
        }
        return try model.serializedData()
    }

    /// Writes `graph` to `path` through a temporary file in the same directory, then renames
    /// it into place, so a reader never sees a half-written model.
    public static func write(_ graph: Graph, to path: String) throws {
        let data: Data
        do { data = try serialize(graph) } catch let e as ModelError { throw ModelError(file: path, e.message) }
        try AtomicFile.write(data, to: path)
    }

    enum Dim { case value(Int), param(String) }

    /// The rank of every value, propagated from the input and initializer shapes (ONNX
    /// requires a shape on graph outputs; their dimensions are written as symbols).
    static func inferRanks(_ graph: Graph) -> [String: Int] {
        var rank: [String: Int] = [:]
        for i in graph.inputs { rank[i.name] = i.shape.count }
        for (k, t) in graph.initializers { rank[k] = t.rank }
        for n in graph.nodes {
            guard let r0 = rank[n.inputs[0]] else { continue }
            let r: Int?
            switch n.op {
            case .flatten, .gemm: r = 2
            case let .reshape(shape, _): r = shape.count
            case let .squeeze(axes): r = axes.map { r0 - $0.count }
            case let .unsqueeze(axes): r = r0 + axes.count
            case let .reduceMean(axes, keepDims): r = keepDims ? r0 : axes.map { r0 - Set($0).count } ?? 0
            case .binary, .matMul, .concat:
                r = n.inputs.compactMap { rank[$0] }.max()
            default: r = r0
            }
            if let r { rank[n.outputs[0]] = r }
        }
        return rank
    }

    static func valueInfo(_ name: String, shape: [Dim]?) -> Onnx_ValueInfoProto {
        var v = Onnx_ValueInfoProto()
        v.name = name
        var tt = Onnx_TypeProto.Tensor()
        tt.elemType = 1
        if let shape {
            var s = Onnx_TensorShapeProto()
            s.dim = shape.map { d in
                var dim = Onnx_TensorShapeProto.Dimension()
                switch d {
                case .value(let x): dim.dimValue = Int64(x)
                case .param(let p): dim.dimParam = p
                }
                return dim
            }
            tt.shape = s
        }
        var t = Onnx_TypeProto()
        t.tensorType = tt
        v.type = t
        return v
    }

    static func floatTensor(_ name: String, _ t: Tensor) -> Onnx_TensorProto {
        var p = Onnx_TensorProto()
        p.name = name
        p.dataType = 1
        p.dims = t.shape.map(Int64.init)
        var raw = Data(count: t.count * 4)
        raw.withUnsafeMutableBytes { (dst: UnsafeMutableRawBufferPointer) in
            for (i, v) in t.data.enumerated() { dst.storeBytes(of: v.bitPattern.littleEndian, toByteOffset: i * 4, as: UInt32.self) }
        }
        p.rawData = raw
        return p
    }

    static func geometryAttributes(_ g: Conv2DGeometry, dilations: Bool) -> [Onnx_AttributeProto] {
        var a: [Onnx_AttributeProto] = [.ints("kernel_shape", [g.kernelH, g.kernelW]),
                                        .ints("strides", [g.strideH, g.strideW])]
        if dilations && (g.dilationH != 1 || g.dilationW != 1) { a.append(.ints("dilations", [g.dilationH, g.dilationW])) }
        switch g.autoPad {
        case .explicit: a.append(.ints("pads", [g.padTop, g.padLeft, g.padBottom, g.padRight]))
        case .sameUpper: a.append(.string("auto_pad", "SAME_UPPER"))
        case .sameLower: a.append(.string("auto_pad", "SAME_LOWER"))
        }
        return a
    }
}

extension Onnx_AttributeProto {
    static func int(_ name: String, _ v: Int) -> Self {
        var a = Self(); a.name = name; a.type = .int; a.i = Int64(v); return a
    }
    static func float(_ name: String, _ v: Float) -> Self {
        var a = Self(); a.name = name; a.type = .float; a.f = v; return a
    }
    static func ints(_ name: String, _ v: [Int]) -> Self {
        var a = Self(); a.name = name; a.type = .ints; a.ints = v.map(Int64.init); return a
    }
    static func string(_ name: String, _ v: String) -> Self {
        var a = Self(); a.name = name; a.type = .string; a.s = Data(v.utf8); return a
    }
}
