import CKernels
import Foundation
import TensorMath

extension IntegerProgram {
    /// Runs the program on a normalized NCHW batch, images spread over `Parallel.threadCount`
    /// workers, and returns the logits [N, classes]. Every step except Conv/Gemm is executed
    /// here (the same code for the engine and the parity simulator); `conv` executes one
    /// weight layer on one image, writing u8 codes to `output` or, for the logits layer,
    /// floats to `logits` (via `Conv.logit`). `W` is per-worker scratch made by `makeWorker`.
    /// `referenceKernels` runs the scalar definitions of add (`bb_add_u8_ref`).
    /// With `profile`, per-step seconds (summed over workers) are added to it.
    public func run<W>(_ images: Tensor, referenceKernels: Bool = false, profile: UnsafeMutablePointer<Double>? = nil,
                       makeWorker: () -> W,
                       conv: (inout W, Int, Conv, UnsafePointer<UInt8>, UnsafeMutablePointer<UInt8>?, UnsafeMutablePointer<Float>?) -> Void) -> Tensor {
        let n = images.shape[0]
        let inCount = values[input].count
        precondition(images.count == n * inCount, "IntegerProgram: images \(images.shape) do not match input \(values[input].shape)")
        var out = [Float](repeating: 0, count: n * classes)
        let lock = NSLock()
        images.data.withUnsafeBufferPointer { xp in
            out.withUnsafeMutableBufferPointer { op in
                let xbase = xp.baseAddress!, obase = op.baseAddress!
                Parallel.forRanges(n) { range in
                    var worker = makeWorker()
                    var bufs = values.map { [UInt8](repeating: 0, count: $0.count) }
                    var times = [Double](repeating: 0, count: steps.count)
                    for img in range {
                        bufs[input].withUnsafeMutableBufferPointer { quantizeInput(xbase + img * inCount, into: $0.baseAddress!) }
                        for (si, step) in steps.enumerated() {
                            let t0 = profile == nil ? 0 : DispatchTime.now().uptimeNanoseconds
                            execute(step, si, &bufs, &worker, logits: obase + img * classes, reference: referenceKernels, conv: conv)
                            if profile != nil { times[si] += Double(DispatchTime.now().uptimeNanoseconds - t0) * 1e-9 }
                        }
                    }
                    if let profile {
                        lock.lock(); for i in 0..<times.count { profile[i] += times[i] }; lock.unlock()
                    }
                }
            }
        }
        return Tensor(shape: [n, classes], data: out)
    }

    private func execute<W>(_ step: Step, _ si: Int, _ bufs: inout [[UInt8]], _ worker: inout W, logits: UnsafeMutablePointer<Float>,
                            reference: Bool,
                            conv: (inout W, Int, Conv, UnsafePointer<UInt8>, UnsafeMutablePointer<UInt8>?, UnsafeMutablePointer<Float>?) -> Void) {
        func unary(_ i: Int, _ o: Int, _ body: (UnsafePointer<UInt8>, UnsafeMutablePointer<UInt8>) -> Void) {
            var ob = bufs[o]
            bufs[o] = []
            bufs[i].withUnsafeBufferPointer { ip in ob.withUnsafeMutableBufferPointer { body(ip.baseAddress!, $0.baseAddress!) } }
            bufs[o] = ob
        }
        switch step {
        case .conv(let c):
            if let o = c.output {
                unary(c.input, o) { conv(&worker, si, c, $0, $1, nil) }
            } else {
                bufs[c.input].withUnsafeBufferPointer { conv(&worker, si, c, $0.baseAddress!, nil, logits) }
            }
        case let .add(_, a, b, o, params):
            var p = params
            var ob = bufs[o]
            bufs[o] = []
            bufs[a].withUnsafeBufferPointer { ap in
                bufs[b].withUnsafeBufferPointer { bp in
                    ob.withUnsafeMutableBufferPointer {
                        (reference ? bb_add_u8_ref : bb_add_u8)(ap.baseAddress, bp.baseAddress, ap.count, &p, $0.baseAddress)
                    }
                }
            }
            bufs[o] = ob
        case let .relu(_, i, o):
            let z = values[i].quantization.zeroPoint, count = values[i].count
            unary(i, o) { IntegerProgram.relu($0, count: count, zeroPoint: z, out: $1) }
        case let .averagePool(_, i, o, k, s, p):
            let sh = values[i].shape
            unary(i, o) { bb_avgpool_u8($0, sh[0], sh[1], sh[2], k.0, k.1, s.0, s.1, p.0, p.1, $1) }
        case let .maxPool(_, i, o, k, s, p):
            let sh = values[i].shape, osh = values[o].shape
            unary(i, o) { bb_maxpool_u8($0, sh[0], sh[1], sh[2], k.0, k.1, s.0, s.1, p.0, p.1, osh[1], osh[2], $1) }
        case let .slice(_, i, o, starts, stepsD):
            let sh = values[i].shape, osh = values[o].shape
            unary(i, o) { IntegerProgram.slice($0, shape: sh, starts: starts, steps: stepsD, outShape: osh, out: $1) }
        case let .pad(_, i, o, pads):
            let sh = values[i].shape, osh = values[o].shape
            let z = UInt8(clamping: values[i].quantization.zeroPoint)
            unary(i, o) { IntegerProgram.pad($0, shape: sh, pads: pads, value: z, outShape: osh, out: $1) }
        case let .reshape(_, i, o):
            let count = values[i].count
            unary(i, o) { $1.update(from: $0, count: count) }
        }
    }
}
