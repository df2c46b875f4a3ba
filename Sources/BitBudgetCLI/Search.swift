import Allocators
import ArgumentParser
import Foundation
import ModelIR
import Quantizers
import Sensitivity
import Simulation

/// `bitbudget search`: sensitivity analysis, bit allocation under a budget, re-validation.
struct Search: ParsableCommand {
    static let configuration = CommandConfiguration(
        abstract: "Find per-layer bit-widths under a budget: sensitivity → allocator → measured plan.",
        discussion: """
        Budgets: average weight bits (3bits), weight bytes (120KB, 0.5MB, 90000B; KB = 1024 B), or \
        BOPs (2.1GBOPs = Σ MACs·w_bits·a_bits). Sensitivity is measured on --calib training images \
        (seeded); the chosen plan is measured on --split (test by default). Writes plan.json, \
        sensitivity.csv, frontier.csv and layers.csv to --out.

        Example: bitbudget search ../shared/models/resnet20_cifar10.onnx --data ../shared/data/cifar10 --budget 3bits --out out/
        """)

    @Argument(help: "ONNX model file (default: the embedded Fashion-MNIST model).")
    var modelPath: String?
    var model: String { modelPath ?? Defaults.model }

    @Option(help: "Budget: e.g. 3bits, 120KB, 0.5MB, 2.1GBOPs. A comma-separated list runs one analysis and writes one plan per budget into OUT/BUDGET/.")
    var budget: String

    @Option(help: "Allocator: greedy, dp, bsq, uniform.")
    var allocator: String = "dp"

    @Option(help: "Output directory.")
    var out: String = "bitbudget-search"

    @Option(help: "Candidate weight bit-widths, comma-separated (1 = binary, t = ternary).")
    var bits: String = "2,3,4,5,6,8"

    @Option(help: "Sensitivity metric: kl, loss, top1, hessian (HAWQ: Hutchinson trace(H)/n · ‖Q(W) − W‖²).")
    var metric: String = "loss"


    @Option(help: "Activation bits for every quantized layer (2–8), or 'float'.")
    var actBits: String = "8"


    @OptionGroup var calibration: CalibrationOptions
    @OptionGroup var sensitivity: SensitivityOptions

    @OptionGroup var data: DataOptions
    @OptionGroup var compute: ComputeOptions

    func run() throws {
        compute.apply()
        let budgetTexts = budget.split(separator: ",").map { $0.trimmingCharacters(in: .whitespaces) }
        let budgets = try budgetTexts.map { try Budget(parsing: $0) }
        guard let first = budgets.first, budgets.allSatisfy({ Self.unit($0) == Self.unit(first) }) else {
            throw ValidationError("--budget: give one budget or a list in one unit (bits, bytes or BOPs)")
        }
        let parsedBudget = first
        let alloc = try Allocators.named(allocator)
        guard let sensitivityMetric = SensitivityMetric(rawValue: metric) else {
            throw ValidationError("--metric '\(metric)': expected one of \(SensitivityMetric.allCases.map(\.rawValue).joined(separator: ", "))")
        }
        let act: Int? = actBits == "float" ? nil : Int(actBits)
        if actBits != "float", !(2...8).contains(act ?? 0) { throw ValidationError("--act-bits must be 2–8 or 'float'") }
        let clipSearch = try ClipSearch(parsing: calibration.clip)
        let candidates: [QuantizerSpec] = try bits.split(separator: ",").map { tok in
            let t = tok.trimmingCharacters(in: .whitespaces).lowercased()
            if t == "t" || t == "ternary" { return try QuantizerSpec(.ternary) }
            if t == "1" || t == "binary" { return try QuantizerSpec(.binary) }
            guard let b = Int(t), (2...8).contains(b) else { throw ValidationError("--bits: '\(t)' is not 1–8 or t") }
            return try QuantizerSpec(.uniform, bits: b, granularity: .perChannel, clip: clipSearch)
        }
        let edges = try EdgeLayerPolicy(parsing: calibration.firstLast)
        try FileManager.default.createDirectory(atPath: out, withIntermediateDirectories: true)

        let setup = try SimulationSetup(model: model, data: data, calibration: calibration)
        let layers = setup.simulator.layers
        let searched = layers.filter { !(($0.isFirst || $0.isLast) && edges != .same) }
        print("model: \(model)  \(layers.count) weight layers (\(searched.count) searched; first/last: \(edges))")
        print("sensitivity: \(sensitivityMetric.rawValue) on \(setup.calibrationCount) calibration images, \(searched.count)×\(candidates.count) quantizations")
        // Costs in the budget's unit; edge layers are single-option (pinned or float).
        let totalParams = layers.reduce(0) { $0 + $1.weightCount }
        func cost(_ l: QuantizableLayer, _ spec: QuantizerSpec?) -> Double {
            let wb = Double(spec?.bits ?? 32)
            switch parsedBudget {
            case .averageBits: return Double(l.weightCount) * wb
            case .bytes: return Double(spec.map { packedWeightBytes(parameterCount: l.weightCount, channels: l.channels, spec: $0) } ?? l.weightCount * 4)
            case .bops: return Double(l.summary.macs) * wb * Double(spec == nil ? 32 : (act ?? 32))
            }
        }
        let edgeSpec: QuantizerSpec? = { if case .pinned(let b) = edges { return try? QuantizerSpec(.uniform, bits: max(2, b), granularity: .perChannel, clip: clipSearch) }; return nil }()
        // Fail an impossible budget before spending time on the analysis.
        let minimumCost = layers.reduce(0.0) { acc, l in
            acc + (searched.contains(l) ? candidates.map { cost(l, $0) }.min()! : cost(l, edgeSpec))
        }
        for (text, b) in zip(budgetTexts, budgets) where Self.budgetValue(b, totalParams: totalParams) < minimumCost * (1 - 1e-9) {
            throw Self.infeasible(text, b, minimumCost, totalParams: totalParams)
        }
        let started = Date()
        let analyzer = sensitivity.analyzer(simulator: setup.simulator, labels: setup.calibrationLabels, metric: sensitivityMetric, seed: calibration.seed)
        let scores = try analyzer.analyze(layers: searched, candidates: candidates, progress: Progress(label: "sensitivity").update)
        print(String(format: "sensitivity analysis: %.1f s", Date().timeIntervalSince(started)))

        var problemLayers: [AllocationLayer] = []
        var specs: [[QuantizerSpec?]] = []
        for l in layers {
            if let i = searched.firstIndex(of: l) {
                problemLayers.append(AllocationLayer(name: l.name, options: zip(candidates, scores[i]).map { spec, s in
                    AllocationOption(label: spec.quantizer == .ternary ? "t" : String(spec.bits), bits: spec.quantizer == .ternary ? 1.58 : Double(spec.bits),
                                     cost: cost(l, spec), score: s)
                }))
                specs.append(candidates)
            } else {
                let spec = edgeSpec
                problemLayers.append(.pinned(name: l.name, AllocationOption(label: spec.map { String($0.bits) } ?? "float", bits: Double(spec?.bits ?? 32), cost: cost(l, spec), score: 0)))
                specs.append([spec])
            }
        }
        let problem = try AllocationProblem(layers: problemLayers)
        for (text, parsedBudget) in zip(budgetTexts, budgets) {
            let dir = budgets.count == 1 ? out : out + "/" + text
            try FileManager.default.createDirectory(atPath: dir, withIntermediateDirectories: true)
            try allocate(parsedBudget, text: text, dir: dir, problem: problem, alloc: alloc, layers: layers, specs: specs,
                         totalParams: totalParams, act: act, setup: setup, searched: searched, candidates: candidates, scores: scores)
        }
    }

    func allocate(_ parsedBudget: Budget, text budget: String, dir out: String, problem: AllocationProblem, alloc: any Allocator,
                  layers: [QuantizableLayer], specs: [[QuantizerSpec?]], totalParams: Int, act: Int?, setup: SimulationSetup,
                  searched: [QuantizableLayer], candidates: [QuantizerSpec], scores: [[Double]]) throws {
        let budgetValue = Self.budgetValue(parsedBudget, totalParams: totalParams)
        let allocation: Allocation
        do { allocation = try alloc.allocate(problem, budget: budgetValue) } catch let e as AllocationError {
            if case .infeasible(let minimum) = e { throw Self.infeasible(budget, parsedBudget, minimum, totalParams: totalParams) }
            throw e
        }
        var planLayers: [QuantizationPlan.Layer] = []
        for (i, l) in layers.enumerated() {
            if let spec = specs[i][allocation.choices[i]] { planLayers.append(.init(name: l.name, weight: spec, activationBits: act)) }
        }
        let plan = QuantizationPlan(model: model, layers: planLayers)
        let q = try setup.simulator.prepare(plan)
        let r = try q.evaluate(on: setup.test, normalization: setup.normalization, batchSize: data.batch, progress: Progress(label: "validate").update)
        let avgBits = layers.enumerated().reduce(0.0) { $0 + Double($1.element.weightCount) * Double(specs[$1.offset][allocation.choices[$1.offset]]?.bits ?? 32) } / Double(totalParams)

        try plan.write(to: out + "/plan.json")
        try SearchReport.writeSensitivity(out + "/sensitivity.csv", searched, candidates, scores)
        try SearchReport.writeLayers(out + "/layers.csv", layers, specs, allocation, act)
        if let dp = alloc as? DPAllocator ?? (allocator == "dp" ? DPAllocator() : nil) {
            try SearchReport.writeFrontier(out + "/frontier.csv", dp.frontier(problem), chosen: allocation, totalParams: totalParams, budget: parsedBudget)
        }
        print(Table.render(header: ["layer", "params", "bits", "bytes"], rows: layers.enumerated().map { i, l in
            let s = specs[i][allocation.choices[i]]
            return [l.name, String(l.weightCount), s.map { $0.quantizer == .ternary ? "t" : String($0.bits) } ?? "float",
                    String(s.map { packedWeightBytes(parameterCount: l.weightCount, channels: l.channels, spec: $0) } ?? l.weightCount * 4)]
        }))
        print(String(format: "allocator %@: predicted score %.4f, average %.3f weight bits, %d packed weight bytes", allocator, allocation.totalScore, avgBits, q.weightBytes))
        print("wrote \(out)/plan.json, sensitivity.csv, layers.csv\(allocator == "dp" ? ", frontier.csv" : "")")
        print("top-1: \(r.top1Line.dropFirst("top-1: ".count)) at budget \(budget) on \(setup.test.source) (measured, statistics correction on)")
    }

    /// The budget in the allocation problem's cost unit (average bits become a bit total).
    static func budgetValue(_ b: Budget, totalParams: Int) -> Double {
        switch b {
        case .averageBits(let bits): return bits * Double(totalParams)
        case .bytes(let v), .bops(let v): return v
        }
    }

    static func infeasible(_ text: String, _ b: Budget, _ minimum: Double, totalParams: Int) -> CLIError {
        let shown: String
        switch b {
        case .averageBits: shown = String(format: "%.3fbits", minimum / Double(totalParams))
        case .bytes: shown = String(format: "%.0fB", minimum)
        case .bops: shown = String(format: "%.4gGBOPs", minimum / 1e9)
        }
        return CLIError("budget \(text) is below the smallest feasible plan (\(shown) with these candidates and first/last policy)")
    }

    static func unit(_ b: Budget) -> Int {
        switch b { case .averageBits: return 0; case .bytes: return 1; case .bops: return 2 }
    }
}

/// The CSV files `search` writes (atomically).
enum SearchReport {
    static func writeSensitivity(_ path: String, _ layers: [QuantizableLayer], _ candidates: [QuantizerSpec], _ scores: [[Double]]) throws {
        var s = "layer,params,macs,fp32_bytes," + candidates.map { "score_\($0.quantizer == .ternary ? "t" : String($0.bits))" }.joined(separator: ",") + "\n"
        for (l, row) in zip(layers, scores) {
            s += "\(l.name),\(l.weightCount),\(l.summary.macs),\(l.weightCount * 4)," + row.map { String($0) }.joined(separator: ",") + "\n"
        }
        try AtomicFile.write(Data(s.utf8), to: path)
    }

    static func writeLayers(_ path: String, _ layers: [QuantizableLayer], _ specs: [[QuantizerSpec?]], _ a: Allocation, _ act: Int?) throws {
        var s = "layer,params,macs,weight_bits,quantizer,activation_bits,packed_bytes\n"
        for (i, l) in layers.enumerated() {
            let spec = specs[i][a.choices[i]]
            s += "\(l.name),\(l.weightCount),\(l.summary.macs),\(spec.map { String($0.bits) } ?? "32"),\(spec?.quantizer.rawValue ?? "float"),\(spec == nil ? "" : act.map(String.init) ?? ""),\(spec.map { packedWeightBytes(parameterCount: l.weightCount, channels: l.channels, spec: $0) } ?? l.weightCount * 4)\n"
        }
        try AtomicFile.write(Data(s.utf8), to: path)
    }

    static func writeFrontier(_ path: String, _ frontier: [Allocation], chosen: Allocation, totalParams: Int, budget: Budget) throws {
        let unit: String
        switch budget { case .averageBits: unit = "weight_bit_total"; case .bytes: unit = "packed_bytes"; case .bops: unit = "bops" }
        var s = "\(unit),predicted_score,chosen\n"
        for p in frontier { s += "\(p.totalCost),\(p.totalScore),\(p.choices == chosen.choices ? 1 : 0)\n" }
        try AtomicFile.write(Data(s.utf8), to: path)
    }
}
