import Allocators
import Engine
import Foundation
import Inference
import ModelIR
import Quantizers
import Reports
import Simulation
import TensorMath

/// What `search` does for one budget (or for `--max-drop` alone) once the sensitivity analysis and
/// the allocation problem exist: choose a plan (allocator, `--max-drop` bisection or `--refine` on
/// the validation split), measure frontier points and uniform baselines, write the files and
/// print the evaluation-split top-1 last.
final class SearchContext {
    let problem: AllocationProblem
    let alloc: any Allocator
    let allocatorName: String
    let measurer: PlanMeasurer
    let searched: [QuantizableLayer]
    let candidates: [QuantizerSpec]
    let scores: [[Double]]
    let metric: String
    let budgetUnit: Budget?
    let maxDrop: Double?
    let refine: Int
    let frontierPoints: Int
    /// Re-validate each chosen plan on the integer engine (`--no-engine` turns it off).
    var engine = true

    init(problem: AllocationProblem, alloc: any Allocator, allocatorName: String, measurer: PlanMeasurer, searched: [QuantizableLayer],
         candidates: [QuantizerSpec], scores: [[Double]], metric: String, budgetUnit: Budget?, maxDrop: Double?, refine: Int, frontierPoints: Int) {
        self.problem = problem; self.alloc = alloc; self.allocatorName = allocatorName; self.measurer = measurer
        self.searched = searched; self.candidates = candidates; self.scores = scores; self.metric = metric
        self.budgetUnit = budgetUnit; self.maxDrop = maxDrop; self.refine = refine; self.frontierPoints = frontierPoints
    }

    /// The allocator's frontier, cheapest first: the exact Pareto front for `dp`; for the others,
    /// their answers at 64 budgets spread from the cheapest to the dearest plan (deduplicated).
    lazy var frontier: [Allocation] = {
        if let dp = alloc as? DPAllocator { return dp.frontier(problem) }
        var seen = Set<[Int]>(), out: [Allocation] = []
        let lo = problem.minimumCost, hi = problem.maximumCost
        for k in 0...63 {
            if let a = try? alloc.allocate(problem, budget: lo + (hi - lo) * Double(k) / 63), seen.insert(a.choices).inserted { out.append(a) }
        }
        return out.sorted { ($0.totalCost, $0.totalScore) < ($1.totalCost, $1.totalScore) }
    }()

    /// One plan per candidate label with every searched layer at that label (edges per policy).
    lazy var uniformBaselines: [(label: String, allocation: Allocation)] = {
        let labels = candidates.map(SearchReport.label)
        return labels.enumerated().map { k, label in
            (label == "t" ? "uniform ternary" : "uniform \(label)-bit",
             problem.allocation(choices: problem.layers.map { $0.options.count == 1 ? 0 : k }))
        }
    }()

    func describe(_ a: Allocation) -> String {
        String(format: "%.3f bits, %d B", measurer.averageBits(a.choices), measurer.packedBytes(a.choices))
    }

    func run(budget: Budget?, text: String?, dir: String) throws {
        let m = measurer
        let budgetValue = budget.map { Search.budgetValue($0, totalParams: m.totalParams) }
        var rows: [SearchReport.Row] = []
        let chosen: Allocation
        let chosenLabel: String
        let costs = frontier.map(\.totalCost)

        if let maxDrop {
            let pool = budgetValue.map { b in frontier.filter { AllocationProblem.fits($0.totalCost, budget: b) } } ?? frontier
            guard !pool.isEmpty else { throw CLIError("--max-drop: no frontier plan fits budget \(text ?? "")") }
            let floatVal = try m.float(.validation)
            print("max-drop \(maxDrop) points: float top-1 on validation \(String(format: "%.2f", floatVal.top1 * 100))%; bisecting \(pool.count) \(allocatorName) frontier plans by measured drop")
            let result: FrontierSearch.Result
            do {
                result = try FrontierSearch.smallestPassing(count: pool.count, maxDrop: maxDrop) { i in
                    let d = try m.drop(pool[i].choices, on: .validation)
                    print(String(format: "  frontier plan %d/%d: %@, predicted %.4f, validation drop %+.2f pts", i, pool.count, describe(pool[i]), pool[i].totalScore, d))
                    return d
                }
            } catch let e as FrontierSearch.NothingPasses {
                throw CLIError("--max-drop \(maxDrop): " + e.description)
            }
            chosen = pool[result.index]
            chosenLabel = "max-drop \(maxDrop): smallest measured frontier plan"
            print(String(format: "max-drop: chose frontier plan %d (%@), validation drop %.2f pts after %d measurements", result.index, describe(chosen), result.drop, result.probes.count))
        } else {
            let budgetValue = budgetValue!, text = text!
            let allocation: Allocation
            do { allocation = try alloc.allocate(problem, budget: budgetValue) } catch let e as AllocationError {
                if case .infeasible(let minimum) = e { throw Search.infeasible(text, budget!, minimum, totalParams: m.totalParams) }
                throw e
            }
            if refine > 0 {
                chosen = try refineChoice(allocation, budgetValue: budgetValue, costs: costs, rows: &rows)
                chosenLabel = chosen.choices == allocation.choices ? "\(allocatorName) plan (refined: kept)" : "refined on validation"
            } else {
                chosen = allocation
                chosenLabel = "\(allocatorName) plan"
            }
        }

        // Measured frontier and baselines on the evaluation split (cached across budgets).
        var measuredFrontier = Set<Int>()
        if frontierPoints > 0 {
            for i in FrontierSearch.spread(costs: costs, count: frontierPoints) { _ = try m.measure(frontier[i].choices, on: .evaluation); measuredFrontier.insert(i) }
            for u in uniformBaselines { _ = try m.measure(u.allocation.choices, on: .evaluation) }
        }
        let result = try m.measure(chosen.choices, on: .evaluation)
        let engineLine = engine ? try engineCheck(chosen.choices, dir: dir) : nil

        for (i, p) in frontier.enumerated() { rows.append(.init(kind: .frontier, label: "\(allocatorName)#\(i)", choices: p.choices, predictedScore: p.totalScore)) }
        for u in uniformBaselines { rows.append(.init(kind: .uniform, label: u.label, choices: u.allocation.choices, predictedScore: u.allocation.totalScore)) }
        rows.append(.init(kind: .chosen, label: chosenLabel, choices: chosen.choices, predictedScore: chosen.totalScore))

        try m.plan(chosen.choices).write(to: dir + "/plan.json")
        try SearchReport.writeSensitivity(dir + "/sensitivity.csv", searched, candidates, scores)
        try SearchReport.writeLayers(dir + "/layers.csv", m, chosen.choices)
        try SearchReport.writeFrontier(dir + "/frontier.csv", rows, m, chosen: chosen.choices)
        let title = "\(m.model.split(separator: "/").last ?? "") — \(allocatorName)" + (text.map { ", budget \($0)" } ?? "") + (maxDrop.map { ", max drop \($0) pts" } ?? "")
        try AtomicFile.write(SearchReport.frontierPlot(rows, m, chosen: chosen.choices, budget: budgetUnit, allocator: allocatorName, title: title).data, to: dir + "/frontier.svg")
        try AtomicFile.write(SearchReport.bitsChart(m, chosen.choices, title: "Weight bits per layer — \(title)").data, to: dir + "/bits.svg")
        try AtomicFile.write(SearchReport.sensitivityHeatmap(searched, candidates, scores, metric: metric).data, to: dir + "/sensitivity.svg")

        print(Table.render(header: ["layer", "params", "bits", "bytes"], rows: m.layers.enumerated().map { i, l in
            let s = m.spec(chosen.choices, i)
            return [l.name, String(l.weightCount), SearchReport.label(s),
                    String(s.map { packedWeightBytes(parameterCount: l.weightCount, channels: l.channels, spec: $0) } ?? l.weightCount * 4)]
        }))
        print(String(format: "%@: predicted score %.4f, average %.3f weight bits, %d packed weight bytes", chosenLabel, chosen.totalScore, m.averageBits(chosen.choices), m.packedBytes(chosen.choices)))
        if frontierPoints > 0 {
            print("measured on \(m.setup.test.count) evaluation images: \(measuredFrontier.count) frontier plans, \(uniformBaselines.count) uniform baselines (frontier.csv)")
        }
        print("wrote \(dir)/plan.json, sensitivity.csv, layers.csv, frontier.csv, frontier.svg, bits.svg, sensitivity.svg" + (engine ? ", engine.json" : ""))
        if let engineLine { print(engineLine) }
        print("top-1: \(result.top1Line.dropFirst("top-1: ".count)) at budget \(text ?? "max-drop=\(maxDrop!)") on \(m.setup.test.source) (measured, statistics correction on)")
    }

    /// Compiles the chosen plan (same calibration, statistics correction on) into an integer
    /// program, runs it on the integer engine over the evaluation split and writes engine.json.
    /// Returns the line to print: the engine's figures, or a note when the engine cannot run the
    /// plan (float activations, float layers, pow2/k-means weights), which is not a failure.
    func engineCheck(_ choices: [Int], dir: String) throws -> String {
        let m = measurer
        var fields: [String: Any]
        var line: String
        do {
            guard m.act != nil else { throw IntegerProgramError("activations are float (--act-bits float); the engine runs u8 activations") }
            let (program, qm) = try m.setup.simulator.integerProgram(m.plan(choices), correction: true, planFile: dir + "/plan.json")
            let net = try IntegerNetwork(program: program)
            let e = net.evaluate(on: m.setup.test, normalization: m.setup.normalization, batchSize: m.batch, progress: Progress(label: "engine").update)
            fields = ["split": m.setup.test.source, "images": e.result.count, "top1_correct": e.result.top1Correct,
                      "top1_percent": (e.result.top1 * 10000).rounded() / 100, "packed_bytes": net.weightBytes, "predicted_bytes": qm.weightBytes,
                      "images_per_second": (e.imagesPerSecond * 10).rounded() / 10, "threads": Parallel.threadCount,
                      "simulator_top1_correct": m.measured(choices, on: .evaluation)?.top1Correct ?? -1]
            line = "engine: \(e.result.top1Line.dropFirst("top-1: ".count)), \(net.weightBytes) packed bytes (predicted \(qm.weightBytes)), "
                + String(format: "%.1f images/s", e.imagesPerSecond)
        } catch let error as IntegerProgramError {
            let reason = "\(error)".replacingOccurrences(of: "\n", with: " ")
            fields = ["skipped": reason]
            line = "engine: skipped, the integer engine cannot run this plan (\(reason))"
        }
        try AtomicFile.write(try JSONSerialization.data(withJSONObject: fields, options: [.prettyPrinted, .sortedKeys, .withoutEscapingSlashes]), to: dir + "/engine.json")
        return line
    }

    /// `--refine`: the allocator's plan, up to `refine − 1` cheaper frontier points (each ≥ 2% of the
    /// budget below the last), the largest uniform baseline that fits and the best plan between the
    /// two uniform baselines around the budget (`BracketAllocation`), measured on the validation
    /// split; the lowest mean KL(float ‖ plan) of the softmax outputs wins (ties: higher top-1,
    /// then the allocator's plan / the earlier candidate). Not top-1 and not the loss: the
    /// validation images are training images on which the float model is ≈ 99.7% right, so top-1
    /// separates candidates by a handful of images and the cross-entropy is dominated by the few
    /// it gets wrong, while the KL sees how far every image's output moved from the float model's
    /// — the quantity the sensitivity analysis adds up per layer, here measured for the whole plan.
    func refineChoice(_ allocation: Allocation, budgetValue: Double, costs: [Double], rows: inout [SearchReport.Row]) throws -> Allocation {
        let m = measurer
        var list: [(label: String, allocation: Allocation)] = [("\(allocatorName) plan", allocation)]
        for i in FrontierSearch.belowBudget(costs: costs, budget: budgetValue, count: refine + 1, minimumGap: 0.02 * budgetValue)
        where list.count < refine && !list.contains(where: { $0.allocation.choices == frontier[i].choices }) {
            list.append(("\(allocatorName)#\(i)", frontier[i]))
        }
        if let u = uniformBaselines.filter({ AllocationProblem.fits($0.allocation.totalCost, budget: budgetValue) }).max(by: { $0.allocation.totalCost < $1.allocation.totalCost }),
           !list.contains(where: { $0.allocation.choices == u.allocation.choices }) {
            list.append(u)
        }
        // The best plan between the two uniform baselines around the budget (see BracketAllocation).
        let ranked = uniformBaselines.indices.sorted { uniformBaselines[$0].allocation.totalCost < uniformBaselines[$1].allocation.totalCost }
        if let hi = ranked.first(where: { !AllocationProblem.fits(uniformBaselines[$0].allocation.totalCost, budget: budgetValue) }),
           let lo = ranked.last(where: { AllocationProblem.fits(uniformBaselines[$0].allocation.totalCost, budget: budgetValue) }),
           let b = BracketAllocation.best(problem, low: lo, high: hi, budget: budgetValue),
           !list.contains(where: { $0.allocation.choices == b.choices }) {
            let names = uniformBaselines.map { $0.label.replacingOccurrences(of: "uniform ", with: "") }
            list.append(("\(names[lo])/\(names[hi]) bracket", b))
        }
        let floatVal = try m.float(.validation)
        print("refine: \(list.count) plans that fit, measured on \(m.setup.validation!.count) validation images (float \(String(format: "%.2f", floatVal.top1 * 100))%)")
        var best = 0
        var results: [EvaluationResult] = [], kl: [Double] = []
        for (k, c) in list.enumerated() {
            let r = try m.measure(c.allocation.choices, on: .validation)
            results.append(r)
            kl.append(try m.divergence(c.allocation.choices))
            if kl[k] < kl[best] - 1e-12 || (abs(kl[k] - kl[best]) <= 1e-12 && r.top1Correct > results[best].top1Correct) { best = k }
            if !frontier.contains(where: { $0.choices == c.allocation.choices }) && !c.label.hasPrefix("uniform") {
                rows.append(.init(kind: .candidate, label: c.label, choices: c.allocation.choices, predictedScore: c.allocation.totalScore))
            }
        }
        print(Table.render(header: ["candidate", "avg bits", "bytes", "predicted score", "val top-1", "val loss", "val KL", ""], rows: list.enumerated().map { k, c in
            [c.label, String(format: "%.3f", m.averageBits(c.allocation.choices)), String(m.packedBytes(c.allocation.choices)),
             String(format: "%.4f", c.allocation.totalScore), String(format: "%.2f%%", results[k].top1 * 100),
             String(format: "%.4f", results[k].meanLoss), String(format: "%.5f", kl[k]), k == best ? "chosen" : ""]
        }))
        return list[best].allocation
    }
}
