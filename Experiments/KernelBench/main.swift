// kernel-bench: single-core throughput of the integer GEMMs against OpenBLAS sgemm on
// ResNet-20-like im2col GEMM shapes. Run in release:
//   swift build -c release --scratch-path .build-engine --product kernel-bench
//   .build-engine/release/kernel-bench [--batch 16] [--rounds 40] [--seconds 0.02] [--all-levels] [--wall]
// OpenBLAS is pinned to one thread (openblas_set_num_threads(1)) for a per-core comparison;
// the integer kernels are single-threaded by design.
// GOPS = 2*M*N*K / time for every kernel (one multiply-accumulate = 2 ops, XNOR included).
// Timing: the kernels of one shape are run in interleaved rounds (each round times every
// kernel for ~`seconds`), and the best round per kernel is reported, so a loaded machine
// slows all of them alike instead of whichever happened to run during a burst.
import CBLAS
import CKernels
import Dispatch
import Engine
import Foundation
import TensorMath

struct Options {
    var batch = 16
    var rounds = 40
    var seconds = 0.02
    var allLevels = false
    var wallClock = false
    init() {
        var it = CommandLine.arguments.dropFirst().makeIterator()
        while let a = it.next() {
            switch a {
            case "--batch": batch = Int(it.next() ?? "") ?? batch
            case "--rounds": rounds = Int(it.next() ?? "") ?? rounds
            case "--seconds": seconds = Double(it.next() ?? "") ?? seconds
            case "--all-levels": allLevels = true
            case "--wall": wallClock = true
            default: print("unknown option \(a)"); exit(2)
            }
        }
    }
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

struct Case {
    let name: String
    let level: KernelLevel?
    let body: () -> Void
    var best = Double.infinity
}

/// Seconds now: this thread's CPU time (default: time spent descheduled on a shared
/// machine is not counted; OpenBLAS with one thread runs on the calling thread) or wall.
func clockSeconds() -> Double {
    var ts = timespec()
    clock_gettime(opt.wallClock ? CLOCK_MONOTONIC : CLOCK_THREAD_CPUTIME_ID, &ts)
    return Double(ts.tv_sec) + Double(ts.tv_nsec) * 1e-9
}

/// Seconds per call of `body`, repeated for about `budget` seconds.
func sample(_ budget: Double, _ body: () -> Void) -> Double {
    var reps = 0
    let start = clockSeconds()
    var elapsed = 0.0
    repeat {
        body()
        reps += 1
        elapsed = clockSeconds() - start
    } while elapsed < budget
    return elapsed / Double(reps)
}

func pad(_ s: String, _ n: Int) -> String { s.count >= n ? s : s + String(repeating: " ", count: n - s.count) }

let opt = Options()
openblas_set_num_threads(1)
var rng = Rng()
let shapes = [(16, 144, 1024), (32, 288, 256), (64, 576, 64)].map { ($0.0, $0.1, $0.2 * opt.batch) }
let levels: [KernelLevel] = opt.allLevels ? CPUFeatures.supportedLevels.reversed() : [CPUFeatures.active]
print("kernel-bench: batch \(opt.batch), OpenBLAS threads 1, integer kernel levels \(levels) (CPU max \(CPUFeatures.maxSupported)), best of \(opt.rounds) interleaved rounds, \(opt.wallClock ? "wall" : "thread CPU") clock")

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
    let cf = UnsafeMutablePointer<Float>.allocate(capacity: m * n)
    let x = (0..<k * n).map { _ in UInt8.random(in: 0...255, using: &rng) }
    let xp = UnsafeMutablePointer<UInt8>.allocate(capacity: k * n)
    xp.initialize(from: x, count: k * n)
    let c = UnsafeMutablePointer<Int32>.allocate(capacity: m * n)
    c.initialize(repeating: 0, count: m * n)
    let out = UnsafeMutablePointer<UInt8>.allocate(capacity: m * n)

    var cases: [Case] = [Case(name: "cblas_sgemm (fp32)", level: nil) {
        cblas_sgemm(CblasRowMajor, CblasNoTrans, CblasNoTrans, Int32(m), Int32(n), Int32(k), 1, a, Int32(k),
                    b, Int32(n), 0, cf, Int32(n))
    }]
    let act = BinaryActivations(im2col: x, k: k, n: n, zeroPoint: 128)
    for level in levels {
        for f in [WeightFormat.int(bits: 8), .int(bits: 7), .int(bits: 4), .int(bits: 2), .ternary, .binary] {
            let w = weights(f, m, k)
            cases.append(Case(name: "u8 GEMM, \(f) weights", level: level) {
                IntegerGEMM.run(w, x: xp, n: n, ldx: n, xZeroPoint: 3, c: c, ldc: n)
            })
        }
        let wt = weights(.ternary, m, k)
        cases.append(Case(name: "ternary, multiply-free kernel", level: level) {
            IntegerGEMM.runTernary(wt, x: xp, n: n, ldx: n, xZeroPoint: 3, c: c, ldc: n)
        })
        let wb = weights(.binary, m, k)
        cases.append(Case(name: "binary x binary XNOR-popcount", level: level) {
            act.words.withUnsafeBufferPointer { IntegerGEMM.runXNOR(wb, xbits: $0.baseAddress!, n: n, c: c, ldc: n) }
        })
    }
    let rq = Requantizer(weightScales: [Float](repeating: 0.01, count: m), inputScale: 0.02, outputScale: 0.05,
                         outputZeroPoint: 0, relu: true)
    // The engine's per-layer path on the same shape: `batch` images of the 3x3 convolution
    // whose im2col GEMM this is (C = K/9 channels, N/batch output pixels each), implicit
    // im2col and requantization to u8 included (GEMMPlan.convolveRequantized).
    let side = Int(Double(n / opt.batch).squareRoot())
    let geometry = Im2Col(channels: k / 9, height: side, width: side, kernel: (3, 3), padding: (1, 1))
    let images = (0..<geometry.channels * side * side * opt.batch).map { _ in UInt8.random(in: 0...255, using: &rng) }
    let imgp = UnsafeMutablePointer<UInt8>.allocate(capacity: images.count)
    imgp.initialize(from: images, count: images.count)
    var convBuffers: [UnsafeMutableRawPointer] = []  // states and scratches, freed with the shape's buffers
    for f in [WeightFormat.int(bits: 8), .int(bits: 7), .int(bits: 4)] {
        let plan = GEMMPlan(weights(f, m, k))!
        plan.prepareConvolution(geometry)
        let sb = plan.requantizedConvolutionStateBytes(geometry), cb = plan.requantizedConvolutionScratchBytes(geometry)
        let state = UnsafeMutableRawPointer.allocate(byteCount: sb, alignment: 64)
        state.initializeMemory(as: UInt8.self, repeating: 0, count: sb)
        let scratch = UnsafeMutableRawPointer.allocate(byteCount: cb, alignment: 64)
        convBuffers += [state, scratch]
        let per = geometry.channels * side * side, cols = geometry.cols
        let layer = {
            for i in 0..<opt.batch {
                plan.convolveRequantized(imgp + i * per, geometry: geometry, xZeroPoint: 3, requantizer: rq,
                                         out: out + i * m * cols, ldo: cols, acc: c + i * m * cols, lda: cols,
                                         state: state, scratch: scratch)
            }
        }
        let path = plan.usesWinograd(geometry) ? "Winograd F(2x2,3x3)" : "direct"
        cases.append(Case(name: "conv+requant, \(f) (engine layer, \(path))", level: CPUFeatures.active, body: layer))
        if plan.usesWinograd(geometry) {
            // the same layer on the direct channels-last tiles: what Winograd gains in the engine
            cases.append(Case(name: "conv+requant, \(f) (engine layer, direct)", level: CPUFeatures.active) {
                GEMMPlan.winogradEnabled = false
                defer { GEMMPlan.winogradEnabled = true }
                layer()
            })
        }
    }
    cases.append(Case(name: "requantize int32->u8", level: CPUFeatures.active) {
        rq.requantizeU8(c, cols: n, lda: n, out: out, ldo: n)
    })

    for i in cases.indices { CPUFeatures.withLevel(cases[i].level ?? .scalar) { _ in cases[i].body() } }  // warm-up
    for _ in 0..<opt.rounds {
        for i in cases.indices {
            let t = CPUFeatures.withLevel(cases[i].level ?? .scalar) { _ in sample(opt.seconds, cases[i].body) }
            cases[i].best = min(cases[i].best, t)
        }
    }
    let sg = ops / cases[0].best / 1e9
    for cs in cases {
        let lv = cs.level.map { " [\($0)]" } ?? ""
        if cs.name.hasPrefix("requantize") {
            print("  \(pad(cs.name + lv, 44)) \(String(format: "%7.2f Gelem/s  (%.3f ms)", Double(m * n) / cs.best / 1e9, cs.best * 1e3))")
        } else {
            let g = ops / cs.best / 1e9
            print("  \(pad(cs.name + lv, 44)) \(String(format: "%7.1f GOPS  %5.2fx sgemm  (%.3f ms)", g, g / sg, cs.best * 1e3))")
        }
    }
    cf.deallocate(); xp.deallocate(); c.deallocate(); out.deallocate(); imgp.deallocate()
    for b in convBuffers { b.deallocate() }
}
