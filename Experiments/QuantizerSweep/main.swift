// quantizer-sweep: every weight quantizer × bit-width (activations float and 8-bit) on one
// model, statistics correction on, first/last layers pinned to 8 bits; top-1 on the evaluation
// split. Rewrites the CSV (atomically) after every configuration and skips configurations an
// existing CSV already holds, so an interrupted sweep resumes where it stopped. Weight bytes are
// left to `bitbudget quantize` (one formula, one place). Used by Experiments/quantizers_resnet20.sh.
//
// usage: quantizer-sweep MODEL DATA_DIR OUT.csv [--limit N] [--calib N]
import Datasets
import Foundation
import Inference
import ModelIR
import Quantizers
import Simulation

var args = Array(CommandLine.arguments.dropFirst())
func option(_ name: String) -> Int? {
    guard let i = args.firstIndex(of: name), i + 1 < args.count, let v = Int(args[i + 1]) else { return nil }
    args.removeSubrange(i...(i + 1)); return v
}
let limit = option("--limit"), calib = option("--calib") ?? 512
guard args.count == 3 else {
    FileHandle.standardError.write("usage: quantizer-sweep MODEL DATA_DIR OUT.csv [--limit N] [--calib N]\n".data(using: .utf8)!)
    exit(2)
}
do {
    let setup = try SimulationSetup(modelPath: args[0], dataDirectory: args[1], limit: limit, calibrationImages: calib)
    let float = try setup.evaluateFloat()
    print("float: \(float.top1Line)")
    let header = "quantizer,bits,granularity,activation_bits,top1,correct,images,float_top1"
    var csv = header + "\n"
    var done = Set<String>()
    if let old = try? String(contentsOfFile: args[2], encoding: .utf8), old.hasPrefix(header + "\n") {
        for line in old.split(separator: "\n").dropFirst() {
            let f = line.split(separator: ",")
            guard f.count == 8, f[6] == "\(setup.test.count)" else { continue }
            done.insert(f[0...3].joined(separator: ","))
            csv += line + "\n"
        }
        print("resuming: \(done.count) configurations already in \(args[2])")
    }
    let configs: [(QuantizerSpec.Name, [Int])] = [
        (.uniform, [2, 3, 4, 6, 8]), (.uniformAsym, [1, 2, 3, 4, 6, 8]), (.pow2, [2, 3, 4, 6, 8]),
        (.kmeans, [1, 2, 3, 4, 6, 8]), (.binary, [1]), (.ternary, [2]),
    ]
    for (name, bitsList) in configs {
        for bits in bitsList {
            for act in [nil, 8] as [Int?] {
                let key = "\(name.rawValue),\(bits),per-channel,\(act.map(String.init) ?? "float")"
                if done.contains(key) { continue }
                let spec = try QuantizerSpec(name, bits: bits, granularity: .perChannel, clip: name.isUniform ? .mse : .minMax)
                let plan = try QuantizationPlan.uniform(layers: setup.simulator.layers, spec: spec, activationBits: act)
                let q = try setup.simulator.prepare(plan, correction: true)
                let r = try q.evaluate(on: setup.test, normalization: setup.normalization)
                let line = "\(key),\(String(format: "%.2f", r.top1 * 100)),\(r.top1Correct),\(r.count),\(String(format: "%.2f", float.top1 * 100))"
                print(line)
                csv += line + "\n"
                try AtomicFile.write(Data(csv.utf8), to: args[2])
            }
        }
    }
    try AtomicFile.write(Data(csv.utf8), to: args[2])
} catch {
    FileHandle.standardError.write("quantizer-sweep: \(error)\n".data(using: .utf8)!)
    exit(1)
}
