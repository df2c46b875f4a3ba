// kernel-bench: single-core throughput of the integer GEMMs against OpenBLAS sgemm on
// ResNet-20-like im2col GEMM shapes. Run in release:
//   swift run -c release --scratch-path .build-engine kernel-bench [--batch 16] [--seconds 0.3] [--all-levels]
// OpenBLAS is pinned to one thread (openblas_set_num_threads(1)) for a per-core comparison;
// the integer kernels are single-threaded by design.
// GOPS = 2*M*N*K / time for every kernel (one multiply-accumulate = 2 ops, also for XNOR).
import CBLAS
import CKernels
import Dispatch
import Engine
import Foundation
import TensorMath

struct Options {
    var batch = 16
    var seconds = 0.3
    var allLevels = false
    init() {
        var it = CommandLine.arguments.dropFirst().makeIterator()
        while let a = it.next() {
            switch a {
            case "--batch": batch = Int(it.next() ?? "") ?? batch
            case "--seconds": seconds = Double(it.next() ?? "") ?? seconds
            case "--all-levels": allLevels = true
            default: print("unknown option \(a)"); exit(2)
            }
        }
    }
}

/// Best-of-5 seconds per call; each sample repeats `body` for about `budget / 5` s.
func timeIt(_ budget: Double, _ body: () -> Void) -> Double {
    body()  // warm-up
    var best = Double.infinity
    for _ in 0..<5 {
        var reps = 0
        let start = DispatchTime.now().uptimeNanoseconds
        var elapsed = 0.0
        repeat {
            body()
            reps += 1
            elapsed = Double(DispatchTime.now().uptimeNanoseconds - start) * 1e-9
        } while elapsed < budget / 5
        best = min(best, elapsed / Double(reps))
    }
    return best
}

struct Rng: RandomNumberGenerator {
    var s: UInt64 = 0x1234_5678
    mutating func next() -> UInt64 {
        s &+= 0x9E37_79B9_7F4A_7C15
        var z = s
        z = (z ^ (z >> 30)) &* 0xBF58_476D_1CE4_E5B9
        z = (z ^ (z >> 27)) &* 0x94D0_49BB_1331_11EB
        return z ^ (z >> 31)
    }
}

let opt = Options()
openblas_set_num_threads(1)
var rng = Rng()
let shapes = [(16, 144, 1024), (32, 288, 256), (64, 576, 64)].map { ($0.0, $0.1, $0.2 * opt.batch) }
let levels: [KernelLevel] = opt.allLevels ? CPUFeatures.supportedLevels.reversed() : [CPUFeatures.active]
print("kernel-bench: batch \(opt.batch), OpenBLAS threads 1, kernel levels \(levels), CPU max \(CPUFeatures.maxSupported)")

func weights(_ f: WeightFormat, _ m: Int, _ k: Int) -> PackedWeights {
    let r = f.signedRange
    let codes = (0..<m * k).map { _ -> Int32 in
        f == .binary ? (Bool.random(using: &rng) ? 1 : -1) : Int32.random(in: r, using: &rng)
    }
    return try! PackedWeights(format: f, rows: m, k: k, codes: codes, scales: [Float](repeating: 0.01, count: m))
}

for (m, k, n) in shapes {
    let ops = 2.0 * Double(m) * Double(n) * Double(k)
    print("\nM=\(m) K=\(k) N=\(n)")
    let a = (0..<m * k).map { _ in Float.random(in: -1...1, using: &rng) }
    let b = (0..<k * n).map { _ in Float.random(in: -1...1, using: &rng) }
    var cf = [Float](repeating: 0, count: m * n)
    let tS = timeIt(opt.seconds) {
        cblas_sgemm(CblasRowMajor, CblasNoTrans, CblasNoTrans, Int32(m), Int32(n), Int32(k), 1, a, Int32(k),
                    b, Int32(n), 0, &cf, Int32(n))
    }
    let sg = ops / tS / 1e9
    func row(_ name: String, _ t: Double) {
        let g = ops / t / 1e9
        print(String(format: "  %-34@ %8.1f GOPS  %6.2fx sgemm  (%.3f ms)", name as NSString, g, g / sg, t * 1e3))
    }
    row("cblas_sgemm (fp32)", tS)

    let x = (0..<k * n).map { _ in UInt8.random(in: 0...255, using: &rng) }
    var c = [Int32](repeating: 0, count: m * n)
    for level in levels {
        CPUFeatures.withLevel(level) { lv in
            for f in [WeightFormat.int(bits: 8), .int(bits: 4), .int(bits: 2), .ternary, .binary] {
                let w = weights(f, m, k)
                let t = timeIt(opt.seconds) {
                    x.withUnsafeBufferPointer { xp in
                        c.withUnsafeMutableBufferPointer { cp in
                            IntegerGEMM.run(w, x: xp.baseAddress!, n: n, ldx: n, xZeroPoint: 3, c: cp.baseAddress!, ldc: n)
                        }
                    }
                }
                row("u8 GEMM \(f) weights [\(lv)]", t)
            }
            let wt = weights(.ternary, m, k)
            let tT = timeIt(opt.seconds) {
                x.withUnsafeBufferPointer { xp in
                    c.withUnsafeMutableBufferPointer { cp in
                        IntegerGEMM.runTernary(wt, x: xp.baseAddress!, n: n, ldx: n, xZeroPoint: 3, c: cp.baseAddress!, ldc: n)
                    }
                }
            }
            row("ternary multiply-free [\(lv)]", tT)
            let wb = weights(.binary, m, k)
            let act = BinaryActivations(im2col: x, k: k, n: n, zeroPoint: 128)
            let tX = timeIt(opt.seconds) {
                act.words.withUnsafeBufferPointer { xp in
                    c.withUnsafeMutableBufferPointer { cp in
                        IntegerGEMM.runXNOR(wb, xbits: xp.baseAddress!, n: n, c: cp.baseAddress!, ldc: n)
                    }
                }
            }
            row("binary XNOR-popcount [\(lv)]", tX)
        }
    }
    // Requantization throughput (int32 -> uint8), per output element.
    let rq = Requantizer(weightScales: [Float](repeating: 0.01, count: m), inputScale: 0.02, outputScale: 0.05,
                         outputZeroPoint: 0, relu: true)
    var out = [UInt8](repeating: 0, count: m * n)
    let tR = timeIt(opt.seconds) {
        c.withUnsafeBufferPointer { cp in
            out.withUnsafeMutableBufferPointer { op in rq.requantizeU8(cp.baseAddress!, cols: n, lda: n, out: op.baseAddress!, ldo: n) }
        }
    }
    print(String(format: "  requantize int32->u8 [%@]: %.2f Gelem/s (%.3f ms, %.1f%% of the int8 GEMM time budget at 2x sgemm)",
                 CPUFeatures.active.description as NSString, Double(m * n) / tR / 1e9, tR * 1e3, 100 * tR / (tS / 2)))
}
