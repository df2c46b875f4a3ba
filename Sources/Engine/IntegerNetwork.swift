import CKernels
import Foundation
import Quantizers
import Simulation
import TensorMath

/// The integer inference engine for a whole model: an `IntegerProgram` (compiled once by
/// `Simulator.integerProgram`) with every layer's weights packed (`PackedWeights`) and its
/// requantization prepared (`Requantizer`), and each layer's weights prepared once for the
/// GEMM (`GEMMPlan`). Per image: the input is quantized to u8 once; each Conv runs
/// `GEMMPlan.convolve` (u8 × packed weights, int32 accumulation; the GEMM panels are packed
/// straight from a padded copy of the image, so no im2col matrix is written — same integers
/// as `Im2Col` + `IntegerGEMM`), the Gemm `GEMMPlan.run`, and both requantize with fused ReLU;
/// residual adds run `QuantizedAdd`, pooling `IntegerPooling`; the last layer's accumulators
/// are dequantized to float logits. Images are spread over `Parallel.threadCount` workers.
public final class IntegerNetwork {
    public let program: IntegerProgram
    /// Per program step: packed weights (nil for non-weight steps).
    public let packed: [PackedWeights?]
    private let requantizers: [Requantizer?]
    /// Per program step: the prepared weights and the convolution geometry.
    private let plans: [GEMMPlan?]
    private let geometries: [Im2Col?]

    public init(program: IntegerProgram) throws {
        self.program = program
        var packed: [PackedWeights?] = [], requantizers: [Requantizer?] = []
        for step in program.steps {
            guard case .conv(let c) = step else { packed.append(nil); requantizers.append(nil); continue }
            let w = c.weights
            do {
                switch w.kind {
                case .int(let bits):
                    if let zp = w.zeroPoints {
                        packed.append(try PackedWeights(bits: bits, rows: w.rows, k: w.k, unsignedCodes: w.codes, zeroPoints: zp, scales: w.scales))
                    } else {
                        packed.append(try PackedWeights(format: .int(bits: bits), rows: w.rows, k: w.k, codes: w.codes, scales: w.scales))
                    }
                case .ternary: packed.append(try PackedWeights(format: .ternary, rows: w.rows, k: w.k, codes: w.codes, scales: w.scales))
                case .binary: packed.append(try PackedWeights(format: .binary, rows: w.rows, k: w.k, codes: w.codes, scales: w.scales))
                }
            } catch {
                throw IntegerProgramError("layer '\(c.name)': cannot pack \(w.kind) weights: \(error)")
            }
            requantizers.append(Requantizer(multipliers: zip(c.multipliers, c.shifts).map { FixedPointMultiplier(multiplier: $0, shift: $1) },
                                            bias: c.bias, outputZeroPoint: c.outputZeroPoint, qmin: c.qmin, qmax: c.qmax))
        }
        self.packed = packed
        self.requantizers = requantizers
        var plans: [GEMMPlan?] = [], geometries: [Im2Col?] = []
        for (step, weights) in zip(program.steps, packed) {
            guard case .conv(let c) = step, let weights else { plans.append(nil); geometries.append(nil); continue }
            guard let plan = GEMMPlan(weights) else { throw IntegerProgramError("layer '\(c.name)': out of memory preparing its weights") }
            let geometry = c.isPointwise ? nil : Im2Col(channels: c.channels, height: c.height, width: c.width,
                                                        kernel: (c.kernelH, c.kernelW), stride: (c.strideH, c.strideW),
                                                        padding: (c.padH, c.padW), dilation: (c.dilationH, c.dilationW))
            // requantized convolutions take the channels-last fused path where the CPU allows
            if let geometry, c.output != nil { plan.prepareConvolution(geometry) }
            plans.append(plan)
            geometries.append(geometry)
        }
        self.plans = plans
        self.geometries = geometries
    }

    /// `kind(step)` plus the convolution kernel this network runs for it when that is not the
    /// default tiles ("conv int8+relu, winograd"): what a per-step profile is read against.
    public func describe(step i: Int) -> String {
        let s = program.steps[i]
        guard let plan = plans[i], let g = geometries[i], plan.usesWinograd(g) else { return Self.kind(s) }
        return Self.kind(s) + ", winograd"
    }

    /// Σ `PackedWeights.packedByteCount` over the layers: the bytes the engine stores
    /// (codes incl. row padding, scales, zero points; biases excluded).
    public var weightBytes: Int { packed.reduce(0) { $0 + ($1?.packedByteCount ?? 0) } }

    /// A worker's buffers: the int32 accumulators, one convolution scratch (64-byte aligned)
    /// per column range its image is split into, each layer's convolution states, and the
    /// helper team for the ranges. Kept between `logits` calls (see `Worker`).
    private final class WorkerBuffers {
        let parts: Int
        var acc: [Int32] = []
        var scratch: [UnsafeMutableRawPointer?]
        var scratchBytes: [Int]
        /// Per (program step, part): the layer's convolution state (padded border, offsets).
        var states: [Int: UnsafeMutableRawPointer] = [:]
        /// Helper threads for the column ranges (nil: one range, or no thread could start).
        let team: WorkerTeam?
        init(parts: Int) {
            self.parts = parts
            scratch = [UnsafeMutableRawPointer?](repeating: nil, count: parts)
            scratchBytes = [Int](repeating: 0, count: parts)
            team = parts > 1 ? WorkerTeam(threads: parts) : nil
        }
        func state(_ step: Int, _ part: Int, _ bytes: Int) -> UnsafeMutableRawPointer {
            let key = step * parts + part
            if let s = states[key] { return s }
            let s = UnsafeMutableRawPointer.allocate(byteCount: bytes, alignment: 64)
            s.initializeMemory(as: UInt8.self, repeating: 0, count: bytes)
            states[key] = s
            return s
        }
        func scratch(_ part: Int, _ bytes: Int) -> UnsafeMutableRawPointer {
            if bytes > scratchBytes[part] {
                scratch[part]?.deallocate()
                scratch[part] = UnsafeMutableRawPointer.allocate(byteCount: bytes, alignment: 64)
                scratchBytes[part] = bytes
            }
            return scratch[part]!
        }
        deinit {
            for p in scratch { p?.deallocate() }
            for s in states.values { s.deallocate() }
        }
    }

    /// The per-range worker `IntegerProgram.run` makes: it borrows a `WorkerBuffers` from the
    /// network's pool and gives it back when dropped, so batch-1 evaluation (one `logits`
    /// call per image) neither allocates buffers nor starts threads per image, and the kept
    /// padded borders are reused from image to image.
    private final class Worker {
        let buffers: WorkerBuffers
        private let release: (WorkerBuffers) -> Void
        init(_ buffers: WorkerBuffers, release: @escaping (WorkerBuffers) -> Void) {
            self.buffers = buffers
            self.release = release
        }
        deinit { release(buffers) }
    }

    private var idleBuffers: [WorkerBuffers] = []
    private let poolLock = NSLock()

    private func makeWorker(parts: Int) -> Worker {
        poolLock.lock()
        let found = idleBuffers.firstIndex { $0.parts == parts }.map { idleBuffers.remove(at: $0) }
        poolLock.unlock()
        return Worker(found ?? WorkerBuffers(parts: parts)) { [weak self] in self?.returnBuffers($0) }
    }

    private func returnBuffers(_ b: WorkerBuffers) {
        poolLock.lock()
        idleBuffers.append(b)
        poolLock.unlock()
    }

    /// Columns (output pixels) below which a convolution is not split over threads.
    private static let minColumnsPerPart = 32

    /// Logits [N, classes] of a normalized NCHW batch. With `profile` (one slot per program
    /// step) the per-step seconds, summed over workers, are added to it.
    ///
    /// Images are spread over the threads; a batch smaller than the thread count (batch 1)
    /// would leave threads idle, so then each convolution of an image is also split by output
    /// pixels into `Parallel.threadCount / N` column ranges run by a `WorkerTeam` (same
    /// integers: every column is computed by the same kernel either way).
    public func logits(_ images: Tensor, profile: UnsafeMutablePointer<Double>? = nil) -> Tensor {
        let batch = max(1, images.shape.first ?? 1)
        let parts = max(1, Parallel.threadCount / batch)
        return program.run(images, profile: profile, makeWorker: { makeWorker(parts: parts) }) { worker, si, c, x, out, logits in
            let w = worker.buffers
            let plan = plans[si]!
            let n = c.cols, m = c.weights.rows
            let zx = program.values[c.input].quantization.zeroPoint
            if w.acc.count < m * n { w.acc = [Int32](repeating: 0, count: m * n) }
            let requantizer = requantizers[si]!
            w.acc.withUnsafeMutableBufferPointer { accBuffer in
                let acc = accBuffer.baseAddress!
                guard let g = geometries[si] else {
                    plan.run(x: x, n: n, ldx: n, xZeroPoint: zx, c: acc, ldc: n)
                    if let out { requantizer.requantizeU8(acc, cols: n, lda: n, out: out, ldo: n) }
                    return
                }
                let bytes = plan.requantizedConvolutionScratchBytes(g)
                // column ranges on multiples of 16 (the micro-kernel width)
                let blocks = (n + 15) / 16
                let used = max(1, min(parts, n / Self.minColumnsPerPart))
                let scratches = (0..<used).map { w.scratch($0, bytes) }
                let stateBytes = plan.requantizedConvolutionStateBytes(g)
                let states = (0..<used).map { w.state(si, $0, stateBytes) }
                func part(_ part: Int) {
                    let cols = min(n, 16 * (blocks * part / used))..<min(n, 16 * (blocks * (part + 1) / used))
                    guard !cols.isEmpty else { return }
                    if let out {
                        plan.convolveRequantized(x, geometry: g, xZeroPoint: zx, columns: cols, requantizer: requantizer,
                                                 out: out, ldo: n, acc: acc, lda: n, state: states[part], scratch: scratches[part])
                    } else {
                        plan.convolve(x, geometry: g, xZeroPoint: zx, columns: cols, c: acc, ldc: n,
                                      state: states[part], scratch: scratches[part])
                    }
                }
                if let team = w.team, used > 1 { team.run(used, part) } else { for p in 0..<used { part(p) } }
            }
            if out == nil, let logits {
                for r in 0..<m { logits[r] = c.logit(w.acc[r * n], row: r) }
            }
        }
    }
}
