import Foundation
import ModelIR
import TensorMath

/// Runs a `Graph` in float32 over a batch.
///
/// Values live in integer slots resolved once at construction, and each slot is released
/// after its last reader, so a ResNet keeps only a few activations alive at a time.
/// A Conv/Gemm whose only reader is a Relu or Clip applies it in place (fusion), unless
/// `fuseActivations` is off — the quantization simulator turns it off when it must see
/// pre-activation outputs.
public final class Executor {
    public let graph: Graph
    /// Per-operator wall time, collected when set (`bitbudget bench`, `BITBUDGET_PROFILE=1`).
    public var profiler: OpProfiler? = ProcessInfo.processInfo.environment["BITBUDGET_PROFILE"] == "1" ? OpProfiler.shared : nil

    struct Step {
        var node: Int
        var inputs: [Int]      // slot per input, -1 = omitted
        var output: Int        // slot of the (first) output
        var fused: FusedActivation
        var release: [Int]     // slots to drop after this step
    }

    private var steps: [Step] = []
    private var constants: [Int: Tensor] = [:]
    private var inputSlots: [Int] = []
    private var outputSlot = 0
    private var slotCount = 0
    private var skipped = Set<Int>()

    /// Compiles `graph`; fails when a node reads a value nothing produces.
    public init(graph: Graph, fuseActivations: Bool = true) throws {
        self.graph = graph
        guard graph.inputs.count >= 1, let output = graph.outputs.first else {
            throw ExecutionError(node: graph.name, "graph needs one input and one output")
        }
        var slots: [String: Int] = [:]
        func slot(_ name: String) -> Int {
            if let s = slots[name] { return s }
            let s = slotCount; slotCount += 1; slots[name] = s; return s
        }
        inputSlots = graph.inputs.map { slot($0.name) }
        for (name, t) in graph.initializers { constants[slot(name)] = t }
        let consumers = graph.consumers
        // Fusion: producer → single Relu/Clip reader.
        var fusedInto: [Int: FusedActivation] = [:]
        if fuseActivations {
            for (i, n) in graph.nodes.enumerated() {
                guard n.op == .relu || { if case .clip = n.op { return true }; return false }(),
                      let src = n.inputs.first, let p = graph.producers[src],
                      consumers[src]?.count == 1, !graph.outputs.contains(src) else { continue }
                switch graph.nodes[p].op {
                case .conv, .binary, .batchNorm:
                    if case let .clip(lo, hi) = n.op { fusedInto[p] = .clip(min: lo, max: hi) } else { fusedInto[p] = .relu }
                    skipped.insert(i)
                default: break
                }
            }
        }
        var defined = Set(slots.values)
        for (i, n) in graph.nodes.enumerated() {
            var ins: [Int] = []
            for v in n.inputs {
                if v.isEmpty { ins.append(-1); continue }
                guard let s = slots[v], defined.contains(s) else {
                    throw ExecutionError(node: n.name, "input '\(v)' is not produced by any earlier node, initializer or graph input")
                }
                ins.append(s)
            }
            if skipped.contains(i) {
                // The fused activation's output aliases its producer's output slot.
                slots[n.outputs[0]] = ins[0]
                continue
            }
            let out = slot(n.outputs[0])
            for o in n.outputs.dropFirst() { _ = slot(o) }
            defined.insert(out)
            steps.append(Step(node: i, inputs: ins, output: out, fused: fusedInto[i] ?? .none, release: []))
        }
        guard let o = slots[output] else { throw ExecutionError(node: graph.name, "graph output '\(output)' is never produced") }
        outputSlot = o
        // Liveness: release each non-constant slot after its last reader.
        var lastUse: [Int: Int] = [:]
        for (k, s) in steps.enumerated() { for v in s.inputs where v >= 0 && constants[v] == nil { lastUse[v] = k } }
        for (v, k) in lastUse where v != outputSlot { steps[k].release.append(v) }
    }

    /// Runs the graph on one batch (its first input) and returns the first graph output.
    public func run(_ input: Tensor, hooks: ExecutionHooks? = nil) throws -> Tensor {
        try run(inputs: [input], hooks: hooks)
    }

    /// Runs the graph with one tensor per declared graph input.
    public func run(inputs: [Tensor], hooks: ExecutionHooks? = nil) throws -> Tensor {
        guard inputs.count == inputSlots.count else {
            throw ExecutionError(node: graph.name, "graph has \(inputSlots.count) inputs, \(inputs.count) given")
        }
        var values = [Tensor?](repeating: nil, count: slotCount)
        for (s, t) in constants { values[s] = t }
        for (s, t) in zip(inputSlots, inputs) { values[s] = t }
        for step in steps {
            let node = graph.nodes[step.node]
            let hooked = hooks != nil && (hooks!.nodes?.contains(step.node) ?? true)
            var args: [Tensor?] = step.inputs.map { $0 >= 0 ? values[$0] : nil }
            if hooked, let h = hooks {
                for (k, a) in args.enumerated() {
                    guard var v = a, step.inputs[k] >= 0, constants[step.inputs[k]] == nil else { continue }
                    if let t = h.transformInput { v = t(step.node, k, v); args[k] = v }
                    h.observeInput?(step.node, k, v)
                }
            }
            let t0 = profiler == nil ? 0 : DispatchTime.now().uptimeNanoseconds
            // Inputs read for the last time leave `values` now, so in-place kernels own them.
            for r in step.release { values[r] = nil }
            var y = try Kernels.apply(node, &args, fused: step.fused, opset: graph.opset)
            if let p = profiler { p.record(node.op.onnxType, DispatchTime.now().uptimeNanoseconds - t0) }
            if hooked, let h = hooks {
                h.observeOutput?(step.node, y)
                if let t = h.transformOutput { y = t(step.node, y) }
            }
            values[step.output] = y
        }
        guard let out = values[outputSlot] else { throw ExecutionError(node: graph.name, "output was not computed") }
        return out
    }
}
