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
        (seeded); the chosen plan is measured on --split (test by default), then compiled and \
        re-validated on the integer engine (as `bitbudget run`; --no-engine skips it; plans the \
        engine cannot run get a note). Writes plan.json, sensitivity.csv, frontier.csv, layers.csv, engine.json \
        plus frontier.svg, bits.svg and sensitivity.svg to --out. --val training images (disjoint from \
        calibration) serve --max-drop (smallest measured plan within P points of float) and --refine \
        (best measured of a few plans under the budget); the evaluation split is only reported.

        Example: bitbudget search ../shared/models/resnet20_cifar10.onnx --data ../shared/data/cifar10 --budget 3bits --out out/
                 bitbudget search ../shared/models/resnet20_cifar10.onnx --data ../shared/data/cifar10 --max-drop 1 --out out/
        """)

    @Argument(help: "ONNX model file (default: the embedded Fashion-MNIST model).")
    var modelPath: String?
    var model: String { modelPath ?? Defaults.model }

    @Option(help: "Budget: e.g. 3bits, 120KB, 0.5MB, 2.1GBOPs. A comma-separated list runs one analysis and writes one plan per budget into OUT/BUDGET/.")
    var budget: String?

    @Option(help: "Accuracy target: the smallest frontier plan whose measured top-1 drop vs float on the validation split is at most P points (within --budget when given).")
    var maxDrop: Double?

    @Option(help: "Validation images: held-out training images (seeded, disjoint from the calibration images) for --max-drop and --refine; 0 = none.")
    var val: Int = 1000

    @Option(help: "Refine at a budget: measure the allocator's plan, up to N−1 cheaper frontier points, the uniform baseline that fits and the best plan between the two uniform widths around the budget on the validation split; keep the one whose outputs stay closest to the float model's (lowest mean KL); 0 = off.")
    var refine: Int = 4

    @Option(help: "Frontier plans (spread along the allocator frontier) plus the uniform baselines to measure on the evaluation split for frontier.csv/frontier.svg; 0 = skip.")
    var frontierPoints: Int = 8

    @Option(help: "Allocator: greedy, dp, bsq, uniform.")
    var allocator: String = "dp"

    @Option(help: "Output directory.")
    var out: String = "bitbudget-search"

    @Option(help: "Candidate weight bit-widths, comma-separated (1 = binary, t = ternary).")
    var bits: String = "2,3,4,5,6,8"

    /// KL by default: per image it is ≥ 0 and grows smoothly with the perturbation, so small
    /// damages (4–8 bits) stay ordered, where the loss increase's per-image signs cancel into
    /// noise and clamped zeros; on ResNet-20 it gave the better `dp` plan at 2.5, 3 and 4 bits
    /// (results/search_resnet20/README.md).
    @Option(help: "Sensitivity metric: kl (KL(float ‖ quantized) of the softmax, no labels), loss (cross-entropy increase), top1 (accuracy drop), hessian (HAWQ: Hutchinson trace(H)/n · ‖Q(W) − W‖²).")
    var metric: String = "kl"


    @Option(help: "Activation bits for every quantized layer (2–8), or 'float'.")
    var actBits: String = "8"


    @Flag(help: "Skip re-validating the chosen plan on the integer engine.")
    var noEngine = false

    @OptionGroup var calibration: CalibrationOptions
    @OptionGroup var sensitivity: SensitivityOptions

    @OptionGroup var data: DataOptions
    @OptionGroup var compute: ComputeOptions

    func validate() throws {
        if budget == nil && maxDrop == nil { throw ValidationError("give --budget, --max-drop, or both") }
        if let maxDrop, !(maxDrop >= 0 && maxDrop.isFinite) { throw ValidationError("--max-drop must be a finite number of points ≥ 0") }
        if maxDrop != nil && val < 1 { throw ValidationError("--max-drop needs a validation split (--val ≥ 1)") }
        if val < 0 { throw ValidationError("--val must be ≥ 0") }
        if refine < 0 { throw ValidationError("--refine must be ≥ 0") }
        if frontierPoints < 0 { throw ValidationError("--frontier-points must be ≥ 0") }
    }

    func run() throws {
        compute.apply()
        let budgetTexts = budget.map { $0.split(separator: ",").map { $0.trimmingCharacters(in: .whitespaces) } } ?? []
        let budgets = try budgetTexts.map { try Budget(parsing: $0) }
        if budget != nil {
            guard let first = budgets.first, budgets.allSatisfy({ Self.unit($0) == Self.unit(first) }) else {
                throw ValidationError("--budget: give one budget or a list in one unit (bits, bytes or BOPs)")
            }
        }
        // Without --budget, costs are weight bits (the --max-drop search reports sizes in every unit).
        let parsedBudget = budgets.first ?? .averageBits(8)
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

        let setup = try SimulationSetup(model: model, data: data, calibration: calibration, validationImages: val)
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
        let measurer = PlanMeasurer(setup: setup, model: model, layers: layers, specs: specs, act: act, batch: data.batch)
        let context = SearchContext(problem: problem, alloc: alloc, allocatorName: allocator, measurer: measurer, searched: searched,
                                    candidates: candidates, scores: scores, metric: sensitivityMetric.rawValue,
                                    budgetUnit: budgets.first, maxDrop: maxDrop, refine: setup.validation == nil ? 0 : refine,
                                    frontierPoints: frontierPoints)
        context.engine = !noEngine
        if let v = setup.validation { print("validation: \(v.count) training images (seed \(calibration.seed), disjoint from the calibration images)") }
        if budgets.isEmpty { try context.run(budget: nil, text: nil, dir: out) }
        for (text, parsedBudget) in zip(budgetTexts, budgets) {
            let dir = budgets.count == 1 ? out : out + "/" + text
            try FileManager.default.createDirectory(atPath: dir, withIntermediateDirectories: true)
            try context.run(budget: parsedBudget, text: text, dir: dir)
        }
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

