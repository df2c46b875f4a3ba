import Allocators
import Foundation
import ModelIR
import Quantizers
import Reports
import Simulation

/// The files `search` writes into --out (all atomically): CSV tables and SVG plots.
enum SearchReport {
    /// One plan in frontier.csv: an allocator frontier point, a uniform baseline, a refinement
    /// candidate or the chosen plan.
    struct Row {
        enum Kind: String { case frontier, uniform, candidate, chosen }
        let kind: Kind
        let label: String
        let choices: [Int]
        let predictedScore: Double
    }

    static let frontierHeader = ["kind", "label", "average_bits", "packed_bytes", "bops", "predicted_score",
                                 "top1_percent", "top1_correct", "images", "val_top1_percent", "chosen"]

    static func label(_ spec: QuantizerSpec?) -> String {
        guard let spec else { return "float" }
        return spec.quantizer == .ternary ? "t" : spec.quantizer == .binary ? "1" : String(spec.bits)
    }

    static func writeSensitivity(_ path: String, _ layers: [QuantizableLayer], _ candidates: [QuantizerSpec], _ scores: [[Double]]) throws {
        var t = CSVTable(header: ["layer", "params", "macs", "fp32_bytes"] + candidates.map { "score_\(label($0))" })
        for (l, row) in zip(layers, scores) {
            t.append([l.name, String(l.weightCount), String(l.summary.macs), String(l.weightCount * 4)] + row.map { String($0) })
        }
        try AtomicFile.write(Data(t.text.utf8), to: path)
    }

    static func writeLayers(_ path: String, _ m: PlanMeasurer, _ choices: [Int]) throws {
        var t = CSVTable(header: ["layer", "params", "macs", "weight_bits", "quantizer", "activation_bits", "packed_bytes"])
        for (i, l) in m.layers.enumerated() {
            let spec = m.spec(choices, i)
            t.append([l.name, String(l.weightCount), String(l.summary.macs), spec.map { String($0.bits) } ?? "32",
                      spec?.quantizer.rawValue ?? "float", spec == nil ? "" : m.act.map(String.init) ?? "",
                      String(spec.map { packedWeightBytes(parameterCount: l.weightCount, channels: l.channels, spec: $0) } ?? l.weightCount * 4)])
        }
        try AtomicFile.write(Data(t.text.utf8), to: path)
    }

    static func writeFrontier(_ path: String, _ rows: [Row], _ m: PlanMeasurer, chosen: [Int]) throws {
        var t = CSVTable(header: frontierHeader)
        for r in rows {
            let test = m.measured(r.choices, on: .evaluation), val = m.measured(r.choices, on: .validation)
            t.append([r.kind.rawValue, r.label, String(format: "%.4f", m.averageBits(r.choices)), String(m.packedBytes(r.choices)),
                      CSVTable.number(m.bops(r.choices)), CSVTable.number(r.predictedScore),
                      test.map { String(format: "%.2f", $0.top1 * 100) } ?? "", test.map { String($0.top1Correct) } ?? "",
                      test.map { String($0.count) } ?? "", val.map { String(format: "%.2f", $0.top1 * 100) } ?? "",
                      r.choices == chosen ? "1" : "0"])
        }
        try AtomicFile.write(Data(t.text.utf8), to: path)
    }

    /// x of the frontier plot in the budget's unit.
    static func xAxis(_ budget: Budget?, _ m: PlanMeasurer) -> (label: String, value: ([Int]) -> Double) {
        switch budget {
        case .bytes: return ("packed weight size (KB)", { Double(m.packedBytes($0)) / 1024 })
        case .bops: return ("GBOPs (MACs × weight bits × activation bits / 1e9)", { m.bops($0) / 1e9 })
        default: return ("average weight bits", { m.averageBits($0) })
        }
    }

    /// frontier.svg: measured (evaluation split) frontier points, uniform baselines and the chosen plan.
    static func frontierPlot(_ rows: [Row], _ m: PlanMeasurer, chosen: [Int], budget: Budget?, allocator: String, title: String) -> SVGDocument {
        let x = xAxis(budget, m)
        func points(_ kinds: Set<Row.Kind>) -> [(x: Double, y: Double, label: String)] {
            var seen = Set<[Int]>()
            return rows.filter { kinds.contains($0.kind) }.compactMap { r in
                guard seen.insert(r.choices).inserted, let t = m.measured(r.choices, on: .evaluation) else { return nil }
                return (x.value(r.choices), t.top1 * 100, "\(r.label): \(String(format: "%.2f", t.top1 * 100))%")
            }
        }
        let chosenTest = m.measured(chosen, on: .evaluation)
        var series = [ScatterSeries(name: "\(allocator) frontier (measured)", points: points([.frontier, .candidate]), colour: "#1f77b4", marker: .circle, connect: true),
                      ScatterSeries(name: "uniform baselines", points: points([.uniform]), colour: "#ff7f0e", marker: .square)]
        if let chosenTest {
            series.append(ScatterSeries(name: "chosen plan", points: [(x.value(chosen), chosenTest.top1 * 100, "chosen")], colour: "#d62728", marker: .diamond))
        }
        return ScatterPlot(title: title, xLabel: x.label, yLabel: "top-1 (%) on the evaluation split", series: series).svg
    }

    /// bits.svg: the chosen plan's weight bit-width per layer (float layers drawn grey at 8).
    static func bitsChart(_ m: PlanMeasurer, _ choices: [Int], title: String) -> SVGDocument {
        BarChart(title: title, xLabel: "layer", yLabel: "weight bits", bars: m.layers.indices.map { i in
            let s = m.spec(choices, i)
            return (m.layers[i].name + (s == nil ? " (fp32)" : ""), Double(s?.bits ?? 8), s == nil ? "#999999" : bitWidthColour(Double(s!.bits)))
        }, yMax: 8).svg
    }

    static func sensitivityHeatmap(_ layers: [QuantizableLayer], _ candidates: [QuantizerSpec], _ scores: [[Double]], metric: String) -> SVGDocument {
        Heatmap(title: "Sensitivity (\(metric)) per layer and weight bit-width", rowLabels: layers.map(\.name),
                columnLabels: candidates.map { label($0) + (label($0) == "t" ? "" : "-bit") }, values: scores,
                valueLabel: metric, columnAxisLabel: "weight bit-width").svg
    }
}
