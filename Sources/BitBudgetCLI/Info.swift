import ArgumentParser
import Foundation
import Inference
import ModelIR

/// `bitbudget info MODEL`: the per-layer table of a model.
struct Info: ParsableCommand {
    static let configuration = CommandConfiguration(
        abstract: "Show a model's weight layers: shapes, parameters, MACs and bytes.")

    @Argument(help: "ONNX model file (default: the embedded Fashion-MNIST model).")
    var modelPath: String?

    var model: String { modelPath ?? Defaults.model }

    @Flag(help: "Fold BatchNormalization into the preceding convolutions first (as quantization does).")
    var foldBN = false

    func run() throws {
        var graph = try ONNXImporter.load(model)
        if foldBN { graph = graph.foldingBatchNorm() }
        let declared = graph.inputs[0].shape.dropFirst()
        guard declared.count == 3, declared.allSatisfy({ $0 != nil }) else {
            throw ModelError(file: model, "input '\(graph.inputs[0].name)' has no fixed C×H×W shape; cannot size the layers")
        }
        let rows = try LayerSummary.table(for: graph, inputShape: declared.map { $0! })
        print("model: \(model)  opset \(graph.opset)  nodes \(graph.nodes.count)  input \(graph.inputs[0].name) \(graph.inputs[0].shape.map { $0.map(String.init) ?? "N" })")
        if let m = graph.metadata["mean"], let s = graph.metadata["std"] { print("normalization: mean \(m)  std \(s)") }
        print(Table.render(header: ["#", "layer", "op", "weight shape", "output", "params", "MACs", "fp32 bytes"],
                           rows: rows.enumerated().map { i, r in
            [String(i), r.name, r.op, r.weightShape.map(String.init).joined(separator: "×"),
             r.outputShape.map(String.init).joined(separator: "×"), String(r.parameters), String(r.macs), String(r.float32Bytes)]
        }))
        let params = rows.reduce(0) { $0 + $1.parameters }, macs = rows.reduce(0) { $0 + $1.macs }
        print("total: \(rows.count) weight layers, \(params) parameters, \(macs) MACs/image, \(params * 4) fp32 bytes")
    }
}

/// Plain-text column alignment for terminal tables.
enum Table {
    static func render(header: [String], rows: [[String]]) -> String {
        var widths = header.map(\.count)
        for r in rows { for (i, c) in r.enumerated() { widths[i] = max(widths[i], c.count) } }
        func line(_ cells: [String]) -> String {
            cells.enumerated().map { i, c in
                let pad = String(repeating: " ", count: widths[i] - c.count)
                return i <= 2 ? c + pad : pad + c
            }.joined(separator: "  ")
        }
        return ([line(header), widths.map { String(repeating: "-", count: $0) }.joined(separator: "  ")] + rows.map(line))
            .joined(separator: "\n")
    }
}
