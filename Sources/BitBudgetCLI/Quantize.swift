import ArgumentParser
import Datasets
import Foundation
import Inference
import ModelIR
import Quantizers
import Simulation
import TensorMath

/// `bitbudget quantize`: simulate a precision plan (uniform or from a JSON file) on real data.
struct Quantize: ParsableCommand {
    static let configuration = CommandConfiguration(
        abstract: "Simulate a quantization plan: accuracy, drop vs float, packed size and per-layer error.",
        discussion: """
        Either every layer at one precision (--uniform W or W/A, e.g. 4/8 = 4-bit weights, 8-bit \
        activations) or a per-layer plan (--plan plan.json; schema in the README). BatchNorm is \
        folded first; activation ranges and statistics correction are calibrated on --calib \
        training images (seeded). Accuracy is measured on --split (test by default) with and \
        without statistics correction.

        Example: bitbudget quantize ../shared/models/resnet20_cifar10.onnx --data ../shared/data/cifar10 --uniform 3/8
        """)

    @Argument(help: "ONNX model file (default: the embedded Fashion-MNIST model).")
    var modelPath: String?
    var model: String { modelPath ?? Defaults.model }

    @OptionGroup var planOptions: PlanOptions

    @OptionGroup var calibration: CalibrationOptions

    @Option(help: "Write the per-layer table as CSV.")
    var csv: String?

    @Option(help: "Write the plan that was simulated as JSON.")
    var savePlan: String?

    @OptionGroup var data: DataOptions
    @OptionGroup var compute: ComputeOptions

    func validate() throws {
        if (planOptions.uniform == nil) == (planOptions.plan == nil) { throw ValidationError("give exactly one of --uniform W[/A] or --plan FILE") }
    }

    func run() throws {
        compute.apply()
        let setup = try SimulationSetup(model: model, data: data, calibration: calibration)
        let (plan, planFile) = try planOptions.makePlan(calibration: calibration, setup: setup, model: model)
        let floatBytes = setup.simulator.layers.reduce(0) { $0 + $1.weightCount * 4 }
        print("model: \(model)  (\(setup.simulator.layers.count) weight layers, BN folded)")
        print("data: \(setup.test.source), \(setup.test.count) images; calibration: \(setup.calibrationCount) training images, seed \(calibration.seed)")
        let float = try setup.evaluateFloat(batchSize: data.batch, progress: Progress(label: "float").update)
        print("float         \(float.top1Line)")
        let raw = try setup.simulator.prepare(plan, correction: false, planFile: planFile)
        let rawResult = try raw.evaluate(on: setup.test, normalization: setup.normalization, batchSize: data.batch,
                                         progress: Progress(label: "quantized").update)
        var final = (model: raw, result: rawResult)
        print("quantized     \(rawResult.top1Line)  drop \(Self.points(float, rawResult))  (no statistics correction)")
        if !planOptions.noCorrection {
            let corrected = try setup.simulator.prepare(plan, correction: true, planFile: planFile)
            let r = try corrected.evaluate(on: setup.test, normalization: setup.normalization, batchSize: data.batch,
                                           progress: Progress(label: "corrected").update)
            print("corrected     \(r.top1Line)  drop \(Self.points(float, r))  (statistics correction)")
            final = (corrected, r)
        }
        print(Table.render(header: ["layer", "weights", "act", "bytes", "w SQNR dB", "w cos", "out SQNR dB", "out cos"],
                           rows: final.model.metrics.map(Self.row)))
        print("weight bytes: \(final.model.weightBytes) packed vs \(floatBytes) fp32 (\(String(format: "%.2f", Double(floatBytes) / Double(final.model.weightBytes)))× smaller), average \(String(format: "%.2f", Double(final.model.weightBytes) * 8 / Double(setup.simulator.layers.reduce(0) { $0 + $1.weightCount }))) bits/weight incl. scales")
        if let csv { try CSVFile.write(final.model.metrics, to: csv) }
        if let savePlan { try plan.write(to: savePlan) }
        print("top-1: \(final.result.top1Line.dropFirst("top-1: ".count))")
    }

    static func points(_ a: EvaluationResult, _ b: EvaluationResult) -> String {
        String(format: "%+.2f", (b.top1 - a.top1) * 100) + " pts"
    }

    static func row(_ m: LayerMetrics) -> [String] {
        func f(_ v: Double?, _ fmt: String) -> String { v.map { $0.isFinite ? String(format: fmt, $0) : ($0 > 0 ? "inf" : "-inf") } ?? "-" }
        let w = m.spec.map { "\($0.quantizer.rawValue) \($0.bits)b" } ?? "float"
        return [m.layer.name, w, m.activationBits.map { "\($0)b" } ?? "float", String(m.bytes),
                f(m.weightSQNR, "%.1f"), f(m.weightCosine, "%.4f"), f(m.outputSQNR, "%.1f"), f(m.outputCosine, "%.4f")]
    }
}

extension SimulationSetup {
    init(model: String, data: DataOptions, calibration: CalibrationOptions, validationImages: Int = 0) throws {
        let m = try data.mean.map { try Normalization.parseValues($0, name: "--mean") }
        let s = try data.std.map { try Normalization.parseValues($0, name: "--std") }
        try self.init(modelPath: model, dataDirectory: data.data ?? Defaults.fashionMNISTDirectory, format: data.dataset,
                      split: data.split, limit: data.limit, mean: m, std: s, calibrationImages: calibration.calib, validationImages: validationImages, seed: calibration.seed)
    }
}

/// Per-layer metrics as CSV (header + one row per layer), written atomically.
enum CSVFile {
    static func write(_ rows: [LayerMetrics], to path: String) throws {
        var s = "layer,op,weight_shape,params,macs,quantizer,bits,granularity,activation_bits,bytes,weight_mse,weight_sqnr_db,weight_cosine,output_mse,output_sqnr_db,output_cosine\n"
        func d(_ v: Double?) -> String { v.map { String($0) } ?? "" }
        for m in rows {
            s += [m.layer.name, m.layer.summary.op, m.layer.summary.weightShape.map(String.init).joined(separator: "x"),
                  String(m.layer.weightCount), String(m.layer.summary.macs), m.spec?.quantizer.rawValue ?? "float",
                  m.spec.map { String($0.bits) } ?? "32", m.spec?.granularity.rawValue ?? "", m.activationBits.map(String.init) ?? "",
                  String(m.bytes), d(m.weightMSE), d(m.weightSQNR), d(m.weightCosine), d(m.outputMSE), d(m.outputSQNR), d(m.outputCosine)]
                .joined(separator: ",") + "\n"
        }
        try AtomicFile.write(Data(s.utf8), to: path)
    }
}
