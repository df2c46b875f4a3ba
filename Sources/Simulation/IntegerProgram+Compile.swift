import CKernels
import Inference
import ModelIR
import Quantizers
import TensorMath

/// Why a plan or a graph cannot become an integer program (one line).
public struct IntegerProgramError: Error, CustomStringConvertible, Equatable {
    public let description: String
    public init(_ message: String) { description = message }
}

extension Simulator {
    /// Compiles `plan` on this simulator's (BN-folded) graph into an integer program.
    ///
    /// Weights come from `prepare(plan, correction:)` — the same codes the fake-quant
    /// simulator uses, with statistics correction folded into the per-channel scales and
    /// biases. Every tensor the engine stores gets one u8 quantization: the input of a
    /// weight layer uses that layer's activation quantizer from the plan (signed grids
    /// shifted to unsigned codes); other tensors (e.g. a conv output entering a residual
    /// add) are calibrated at 8 bits with the plan's activation calibration on the
    /// quantized model over the calibration batch, unless it reaches a weight layer through
    /// MaxPool / Flatten / Reshape only, which take that layer's grid unchanged; slice / pad /
    /// pooling / flatten keep their input's quantization (max pooling is exact on codes, no
    /// requantization). A fused ReLU follows every Conv/Gemm/Add whose only consumer is a Relu.
    ///
    /// Every weight layer must be quantized with a quantizer the engine stores
    /// (uniform, uniform-asym, binary, ternary); pow2, k-means or float layers are errors.
    public func integerProgram(_ plan: QuantizationPlan, correction: Bool = true,
                               planFile: String = "plan") throws -> (program: IntegerProgram, model: QuantizedModel) {
        let qm = try prepare(plan, correction: correction, planFile: planFile)
        let method = try CalibrationMethod(parsing: plan.activationCalibration)
        for layer in layers {
            guard let entry = plan.layer(layer.name) else {
                throw IntegerProgramError("\(planFile): layer '\(layer.name)' is not in the plan; the integer engine needs every weight layer quantized")
            }
            switch entry.weight.quantizer {
            case .uniform, .uniformAsym, .binary, .ternary: break
            default:
                throw IntegerProgramError("\(planFile): layer '\(layer.name)' uses \(entry.weight.quantizer.rawValue); the integer engine runs uniform, uniform-asym, binary and ternary weights only")
            }
        }
        let g = qm.graph
        guard g.inputs.count >= 1 else { throw IntegerProgramError("model has no input") }
        let inputName = g.inputs.first { g.initializers[$0.name] == nil }!.name

        // Calibration pass of the quantized model: shapes and ranges of every tensor.
        var observers: [String: ActivationObserver] = [:]
        var shapes: [String: [Int]] = [inputName: Array(calibration.shape.dropFirst())]
        let aq = qm.activationQuantizers
        let exec = try Executor(graph: g, fuseActivations: false)
        _ = try exec.run(calibration, hooks: ExecutionHooks(
            transformInput: { node, slot, x in
                guard slot == 0, let q = aq[node] else { return x }
                return q.fakeQuantize(x)
            },
            observeOutput: { node, y in
                let name = g.nodes[node].outputs[0]
                shapes[name] = Array(y.shape.dropFirst())
                observers[name, default: ActivationObserver()].observe(y)
            }))

        let consumers = g.consumers
        let weightNodes = Set(layers.map(\.node))
        /// The activation quantizer of the weight layer reading `name`, directly or through
        /// MaxPool / Flatten / Reshape: these commute with the elementwise, increasing fake
        /// quantizer (fq(maxpool(y)) = maxpool(fq(y))), so storing `name` on that layer's grid
        /// hands it exactly the codes the fake-quant simulator feeds it (a VGG-style
        /// conv→relu→maxpool→conv chain keeps the plan's activation bits).
        func consumerQuantizer(of name: String) -> ActivationQuantizer? {
            let cs = consumers[name] ?? []
            for c in cs where weightNodes.contains(c) {
                if let q = aq[c] { return q }
            }
            for c in cs where !weightNodes.contains(c) {
                switch g.nodes[c].op {
                case .maxPool, .flatten, .reshape, .identity, .squeeze, .unsqueeze:
                    if let q = consumerQuantizer(of: g.nodes[c].outputs[0]) { return q }
                default: continue
                }
            }
            return nil
        }
        /// Quantization of a tensor produced by a conv/add (or the input).
        func quantization(of name: String) throws -> AffineParameters {
            if let q = consumerQuantizer(of: name) { return Self.unsigned(q) }
            guard let o = observers[name] else {
                throw IntegerProgramError("tensor '\(name)': no activation quantizer in the plan and no calibration statistics (give the first layer activation_bits)")
            }
            do { return Self.unsigned(try o.quantizer(method, bits: 8, signed: false)) } catch {
                throw IntegerProgramError("tensor '\(name)': \(error)")
            }
        }

        var values: [IntegerProgram.Value] = []
        var index: [String: Int] = [:]
        func addValue(_ name: String, _ q: AffineParameters) throws -> Int {
            guard let s = shapes[name] else { throw IntegerProgramError("tensor '\(name)': shape unknown") }
            values.append(.init(name: name, shape: s, quantization: q))
            index[name] = values.count - 1
            return values.count - 1
        }
        func value(_ name: String, for node: Node) throws -> Int {
            guard let v = index[name] else {
                throw IntegerProgramError("node '\(node.name)': input '\(name)' is not an integer tensor (constant inputs are not supported)")
            }
            return v
        }
        let input = try addValue(inputName, quantization(of: inputName))
        var steps: [IntegerProgram.Step] = []
        var fused = Set<Int>()
        var classes = 0
        /// The Relu node that is the only consumer of `name`, if any.
        func fusedRelu(_ name: String) -> Int? {
            guard let cs = consumers[name], cs.count == 1, case .relu = g.nodes[cs[0]].op, !g.outputs.contains(name) else { return nil }
            return cs[0]
        }

        for (ni, node) in g.nodes.enumerated() {
            if fused.contains(ni) { continue }
            switch node.op {
            case .conv, .gemm:
                let x = try value(node.inputs[0], for: node)
                var outName = node.outputs[0]
                var relu = false
                if let r = fusedRelu(outName) { fused.insert(r); outName = g.nodes[r].outputs[0]; relu = true }
                let isLogits = g.outputs.contains(outName)
                if isLogits && relu { throw IntegerProgramError("node '\(node.name)': a ReLU on the logits is not supported by the integer engine") }
                let outQ: AffineParameters? = isLogits ? nil : try quantization(of: outName)
                let conv = try Self.compileConv(node: ni, graph: g, model: qm, x: values[x], xIndex: x,
                                                outputQuantization: outQ, relu: relu)
                var c = conv
                if isLogits {
                    guard c.cols == 1 else { throw IntegerProgramError("node '\(node.name)': the logits layer must produce one vector per image") }
                    classes = c.weights.rows
                } else {
                    c.output = try addValue(outName, outQ!)
                    guard values[c.output!].count == c.weights.rows * c.cols else {
                        throw IntegerProgramError("node '\(node.name)': output shape \(values[c.output!].shape) does not match \(c.weights.rows)×\(c.outH)×\(c.outW)")
                    }
                }
                steps.append(.conv(c))
            case .binary(.add):
                let a = try value(node.inputs[0], for: node), b = try value(node.inputs[1], for: node)
                guard values[a].shape == values[b].shape else {
                    throw IntegerProgramError("node '\(node.name)': broadcasting Add is not supported by the integer engine")
                }
                var outName = node.outputs[0]
                var relu = false
                if let r = fusedRelu(outName) { fused.insert(r); outName = g.nodes[r].outputs[0]; relu = true }
                let q = try quantization(of: outName)
                let qa = values[a].quantization, qb = values[b].quantization
                var p = bb_add_params()
                guard bb_add_params_init(&p, Double(qa.scale), qa.zeroPoint, Double(qb.scale), qb.zeroPoint,
                                         Double(q.scale), q.zeroPoint, relu ? max(q.qmin, q.zeroPoint) : q.qmin, q.qmax) == 0 else {
                    throw IntegerProgramError("node '\(node.name)': add scales \(qa.scale), \(qb.scale) → \(q.scale) are not representable (each input/output scale ratio must be positive and below 32767.5)")
                }
                steps.append(.add(name: node.name, a: a, b: b, output: try addValue(outName, q), params: p))
            case .relu:
                let x = try value(node.inputs[0], for: node)
                steps.append(.relu(name: node.name, input: x, output: try addValue(node.outputs[0], values[x].quantization)))
            case .globalAveragePool:
                let x = try value(node.inputs[0], for: node)
                let s = values[x].shape
                guard s.count == 3 else { throw IntegerProgramError("node '\(node.name)': pooling needs a CHW tensor") }
                steps.append(.averagePool(name: node.name, input: x, output: try addValue(node.outputs[0], values[x].quantization),
                                          kernel: (s[1], s[2]), stride: (1, 1), padding: (0, 0)))
            case let .averagePool(geo, ceilMode, countIncludePad):
                let x = try value(node.inputs[0], for: node)
                let s = values[x].shape
                let hasPad = geo.padTop + geo.padBottom + geo.padLeft + geo.padRight > 0
                guard s.count == 3, !ceilMode, geo.autoPad == .explicit, geo.padTop == geo.padBottom, geo.padLeft == geo.padRight,
                      geo.dilationH == 1, geo.dilationW == 1, !(countIncludePad && hasPad) else {
                    throw IntegerProgramError("node '\(node.name)': this AveragePool variant is not supported by the integer engine")
                }
                steps.append(.averagePool(name: node.name, input: x, output: try addValue(node.outputs[0], values[x].quantization),
                                          kernel: (geo.kernelH, geo.kernelW), stride: (geo.strideH, geo.strideW),
                                          padding: (geo.padTop, geo.padLeft)))
            case let .maxPool(geo0, ceilMode):
                let x = try value(node.inputs[0], for: node)
                let s = values[x].shape
                guard s.count == 3 else { throw IntegerProgramError("node '\(node.name)': MaxPool needs a CHW tensor (2-D pooling) for the integer engine") }
                let geo = geo0.resolved(height: s[1], width: s[2])
                guard geo.dilationH == 1, geo.dilationW == 1 else {
                    throw IntegerProgramError("node '\(node.name)': dilated MaxPool is not supported by the integer engine")
                }
                guard max(geo.padTop, geo.padBottom) < geo.kernelH, max(geo.padLeft, geo.padRight) < geo.kernelW else {
                    throw IntegerProgramError("node '\(node.name)': MaxPool pads must be smaller than the kernel for the integer engine")
                }
                let (oh, ow) = geo.outputSize(height: s[1], width: s[2], ceilMode: ceilMode)
                let o = try addValue(node.outputs[0], values[x].quantization)
                guard values[o].shape == [s[0], oh, ow] else {
                    throw IntegerProgramError("node '\(node.name)': MaxPool output shape \(values[o].shape) does not match \(s[0])×\(oh)×\(ow)")
                }
                steps.append(.maxPool(name: node.name, input: x, output: o, kernel: (geo.kernelH, geo.kernelW),
                                      stride: (geo.strideH, geo.strideW), padding: (geo.padTop, geo.padLeft)))
            case let .slice(starts, ends, axes, stepsIn):
                let x = try value(node.inputs[0], for: node)
                let s = values[x].shape
                var st = [Int](repeating: 0, count: s.count), sp = [Int](repeating: 1, count: s.count)
                for (i, axis0) in axes.enumerated() {
                    let axis = (axis0 < 0 ? axis0 + s.count + 1 : axis0) - 1
                    let step = i < stepsIn.count ? stepsIn[i] : 1
                    guard axis >= 0, axis < s.count, step > 0 else {
                        throw IntegerProgramError("node '\(node.name)': Slice over the batch axis or with negative steps is not supported")
                    }
                    var b = starts[i]; if b < 0 { b += s[axis] }
                    st[axis] = min(max(b, 0), s[axis]); sp[axis] = step
                    _ = ends
                }
                steps.append(.slice(name: node.name, input: x, output: try addValue(node.outputs[0], values[x].quantization),
                                    starts: st, steps: sp))
            case let .pad(pads, mode, padValue):
                let x = try value(node.inputs[0], for: node)
                let r = values[x].shape.count
                guard mode == .constant, padValue == 0, pads.count == 2 * (r + 1), pads[0] == 0, pads[r + 1] == 0,
                      pads.allSatisfy({ $0 >= 0 }) else {
                    throw IntegerProgramError("node '\(node.name)': only non-negative constant-zero Pad off the batch axis is supported")
                }
                let per = Array(pads[1...r]) + Array(pads[(r + 2)...])
                steps.append(.pad(name: node.name, input: x, output: try addValue(node.outputs[0], values[x].quantization), pads: per))
            case .flatten, .reshape, .identity, .squeeze, .unsqueeze:
                let x = try value(node.inputs[0], for: node)
                guard (try? addValue(node.outputs[0], values[x].quantization)) != nil,
                      values.last!.count == values[x].count else {
                    throw IntegerProgramError("node '\(node.name)': \(node.op.onnxType) must keep the batch axis")
                }
                steps.append(.reshape(name: node.name, input: x, output: values.count - 1))
            default:
                throw IntegerProgramError("node '\(node.name)': \(node.op.onnxType) is not supported by the integer engine")
            }
        }
        guard classes > 0 else { throw IntegerProgramError("the model's output is not produced by a Conv/Gemm; the integer engine needs a linear last layer") }
        return (IntegerProgram(values: values, steps: steps, input: input, classes: classes), qm)
    }

    /// An activation quantizer as unsigned u8 codes (signed grids shifted by 2^(b−1)).
    static func unsigned(_ q: ActivationQuantizer) -> AffineParameters {
        let shift: Int32 = q.signed ? Int32(1 << (q.bits - 1)) : 0
        return AffineParameters(scale: q.scale, zeroPoint: q.zeroPoint + shift, qmin: q.qmin + shift, qmax: q.qmax + shift)
    }

    static func compileConv(node ni: Int, graph g: Graph, model qm: QuantizedModel, x: IntegerProgram.Value, xIndex: Int,
                            outputQuantization outQ: AffineParameters?, relu: Bool) throws -> IntegerProgram.Conv {
        let node = g.nodes[ni]
        guard let q = qm.quantizedTensors[ni] else { throw IntegerProgramError("layer '\(node.name)' is not quantized") }
        let rows = q.shape[0], k = q.codes.count / max(1, rows)
        var geo = Conv2DGeometry(kernelH: 1, kernelW: 1)
        var (c, h, w) = (x.count, 1, 1)
        switch node.op {
        case let .conv(gg, groups):
            guard groups == 1 else { throw IntegerProgramError("layer '\(node.name)': grouped convolution is not supported by the integer engine") }
            guard x.shape.count == 3 else { throw IntegerProgramError("layer '\(node.name)': input is not CHW") }
            (c, h, w) = (x.shape[0], x.shape[1], x.shape[2])
            geo = gg.resolved(height: h, width: w)
            guard geo.padTop == geo.padBottom, geo.padLeft == geo.padRight else {
                throw IntegerProgramError("layer '\(node.name)': asymmetric padding is not supported by the integer engine")
            }
        case let .gemm(alpha, beta, transA, transB):
            _ = transB
            guard alpha == 1, beta == 1 || node.inputs.count < 3, !transA else {
                throw IntegerProgramError("layer '\(node.name)': Gemm with alpha/beta ≠ 1 or transA is not supported by the integer engine")
            }
        default:
            throw IntegerProgramError("layer '\(node.name)': \(node.op.onnxType) is not supported by the integer engine")
        }
        guard k == c * geo.kernelH * geo.kernelW else {
            throw IntegerProgramError("layer '\(node.name)': weight fan-in \(k) does not match input \(x.shape)")
        }
        let a = qm.correctionScales[ni] ?? [Float](repeating: 1, count: rows)
        let per = rows / q.groupCount
        let scales = (0..<rows).map { q.scales[$0 / per] * a[$0] }
        let kind: IntegerProgram.WeightKind
        var zeroPoints: [Int32]? = nil
        switch q.scheme {
        case .binary: kind = .binary
        case .ternary: kind = .ternary
        case let .affine(qmin, _):
            guard (2...8).contains(q.bits) else { throw IntegerProgramError("layer '\(node.name)': \(q.bits)-bit weights are not supported by the integer engine") }
            kind = .int(bits: q.bits)
            if qmin >= 0 { zeroPoints = (0..<rows).map { q.zeroPoints[$0 / per] } }
            else if q.zeroPoints.contains(where: { $0 != 0 }) {
                throw IntegerProgramError("layer '\(node.name)': signed weight codes with a zero point are not supported")
            }
        default:
            throw IntegerProgramError("layer '\(node.name)': pow2 and k-means weights are not supported by the integer engine")
        }
        let weights = IntegerProgram.Weights(kind: kind, rows: rows, k: k, codes: q.codes, zeroPoints: zeroPoints, scales: scales)
        let biasF: [Float] = node.inputs.count > 2 && !node.inputs[2].isEmpty
            ? (g.initializers[node.inputs[2]]?.data ?? []) : [Float](repeating: 0, count: rows)
        guard biasF.count == rows else { throw IntegerProgramError("layer '\(node.name)': bias has \(biasF.count) values for \(rows) channels") }
        let sx = x.quantization.scale
        let bias = (0..<rows).map { quantizeBias(biasF[$0], weightScale: scales[$0], inputScale: sx) }
        var mults = [Int32](repeating: 0, count: rows), shifts = [Int32](repeating: 0, count: rows)
        if let o = outQ {
            for m in 0..<rows {
                let real = Double(scales[m]) * Double(sx) / Double(o.scale)
                guard bb_quantize_multiplier(real, &mults[m], &shifts[m]) == 0 else {
                    throw IntegerProgramError("layer '\(node.name)': requantization multiplier \(real) of channel \(m) is not representable")
                }
            }
        }
        let oh = (h + geo.padTop + geo.padBottom - geo.dilationH * (geo.kernelH - 1) - 1) / geo.strideH + 1
        let ow = (w + geo.padLeft + geo.padRight - geo.dilationW * (geo.kernelW - 1) - 1) / geo.strideW + 1
        return IntegerProgram.Conv(
            name: node.name, input: xIndex, output: nil, channels: c, height: h, width: w,
            kernelH: geo.kernelH, kernelW: geo.kernelW, strideH: geo.strideH, strideW: geo.strideW,
            padH: geo.padTop, padW: geo.padLeft, dilationH: geo.dilationH, dilationW: geo.dilationW, outH: oh, outW: ow,
            weights: weights, bias: bias, multipliers: mults, shifts: shifts,
            outputZeroPoint: outQ?.zeroPoint ?? 0,
            qmin: outQ.map { relu ? max($0.qmin, $0.zeroPoint) : $0.qmin } ?? 0, qmax: outQ?.qmax ?? 255,
            relu: relu, logitScales: outQ == nil ? scales.map { Double($0) * Double(sx) } : [])
    }
}
