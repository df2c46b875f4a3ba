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
    private var slotOf: [String: Int] = [:]

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
        slotOf = slots
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
        var values = try initialState(inputs)
        var none: [Int: State] = [:]
        try execute(&values, from: 0, to: steps.count, hooks: hooks, capture: [], captured: &none)
        guard let out = values[outputSlot] else { throw ExecutionError(node: graph.name, "output was not computed") }
        return out
    }

    // MARK: Resumable execution (sensitivity analysis reuses a float prefix).

    /// The executor's state between steps: one optional tensor per slot (constants included).
    /// Tensors are copy-on-write, so captured states share storage with each other.
    public typealias State = [Tensor?]

    /// Number of compiled steps (nodes not fused away), in execution order.
    public var stepCount: Int { steps.count }

    /// The step that runs `node`, or nil when it was fused into its producer.
    public func step(ofNode node: Int) -> Int? { steps.firstIndex { $0.node == node } }

    /// The slot of value `name` (an initializer, graph input or node output).
    public func slot(of name: String) -> Int? { slotOf[name] }

    /// Runs the whole graph on `input` and returns its output plus the state just before each
    /// step in `capture` (before that step's releases), from which `resume` continues.
    public func run(_ input: Tensor, capturingBefore capture: Set<Int>, hooks: ExecutionHooks? = nil) throws -> (output: Tensor, states: [Int: State]) {
        var values = try initialState([input])
        var captured: [Int: State] = [:]
        try execute(&values, from: 0, to: steps.count, hooks: hooks, capture: capture, captured: &captured)
        guard let out = values[outputSlot] else { throw ExecutionError(node: graph.name, "output was not computed") }
        return (out, captured)
    }

    /// Continues from a captured `state` at step `from`: returns the graph output, or with
    /// `through`, the output of that step (nothing after it runs).
    public func resume(from: Int, state: State, through: Int? = nil, hooks: ExecutionHooks? = nil) throws -> Tensor {
        var values = state
        let end = through.map { $0 + 1 } ?? steps.count
        var none: [Int: State] = [:]
        try execute(&values, from: from, to: end, hooks: hooks, capture: [], captured: &none, unfused: through)
        let s = through.map { steps[$0].output } ?? outputSlot
        guard let out = values[s] else { throw ExecutionError(node: graph.name, "output was not computed") }
        return out
    }

    private func initialState(_ inputs: [Tensor]) throws -> State {
        guard inputs.count == inputSlots.count else {
            throw ExecutionError(node: graph.name, "graph has \(inputSlots.count) inputs, \(inputs.count) given")
        }
        var values = State(repeating: nil, count: slotCount)
        for (s, t) in constants { values[s] = t }
        for (s, t) in zip(inputSlots, inputs) { values[s] = t }
        return values
    }

    /// Runs steps `from..<to`. A step whose output a hook sees or replaces runs without its
    /// fused activation, which follows the hooks, and step `unfused` (the last one, `resume`'s
    /// `through`) without it at all: the hooks and `through` see the node's own output, as in a
    /// graph compiled without fusion (ReLU and Clip are exact, so the values after them are the
    /// same either way).
    private func execute(_ values: inout State, from: Int, to: Int, hooks: ExecutionHooks?,
                         capture: Set<Int>, captured: inout [Int: State], unfused: Int? = nil) throws {
        for index in from..<to {
            let step = steps[index]
            if capture.contains(index) { captured[index] = values }
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
            let seesOutput = hooked && (hooks!.observeOutput != nil || hooks!.transformOutput != nil)
            let deferred = seesOutput || index == unfused
            var y = try Kernels.apply(node, &args, fused: deferred ? .none : step.fused, opset: graph.opset)
            if let p = profiler { p.record(node.op.onnxType, DispatchTime.now().uptimeNanoseconds - t0) }
            if hooked, let h = hooks {
                h.observeOutput?(step.node, y)
                if let t = h.transformOutput { y = t(step.node, y) }
            }
            if deferred && index != unfused { y = Kernels.activate(y, step.fused) }
            values[step.output] = y
        }
    }
}
