import ArgumentParser
import Datasets
import Dispatch
import Engine
import Foundation
import Inference
import ModelIR
import Quantizers
import Simulation
import TensorMath

/// `bitbudget run`: run a plan on the integer engine (u8 activations, packed weights).
struct Run: ParsableCommand {
    static let configuration = CommandConfiguration(
        abstract: "Run a quantization plan on the integer engine: top-1, packed weight bytes, images/s.",
        discussion: """
        The plan (--uniform W/A or --plan FILE, calibrated exactly as in `bitbudget quantize`, \
        statistics correction on) is compiled into an integer program: the input is quantized \
        to u8 once, every Conv/Gemm runs as a packed-weight integer GEMM (panels packed \
        straight from the image, no im2col matrix) with int32 accumulation and fixed-point \
        requantization (fused ReLU), residual adds and pooling \
        stay integer, and only the logits are dequantized. Every weight layer must use \
        uniform, uniform-asym, binary or ternary weights; a layer without activation bits \
        gets 8-bit activations. --parity also runs the simulator's engine-parity mode (exact \
        double-precision convolutions, the same requantization) and counts the images whose \
        predictions differ.

        Example: bitbudget run ../shared/models/resnet20_cifar10.onnx --data ../shared/data/cifar10 --uniform 4/8 --parity
        """)

    @Argument(help: "ONNX model file (default: the embedded Fashion-MNIST model).")
    var modelPath: String?
    var model: String { modelPath ?? Defaults.model }

    @OptionGroup var planOptions: PlanOptions

    @OptionGroup var calibration: CalibrationOptions

    @Flag(help: "Also run the simulator in engine-parity mode and count differing predictions.")
    var parity = false

    @Flag(help: "Print the time spent in each step of the integer program.")
    var profile = false

    @OptionGroup var data: DataOptions
    @OptionGroup var compute: ComputeOptions

    func validate() throws {
        if (planOptions.uniform == nil) == (planOptions.plan == nil) { throw ValidationError("give exactly one of --uniform W[/A] or --plan FILE") }
    }

    func run() throws {
        compute.apply()
        let setup = try SimulationSetup(model: model, data: data, calibration: calibration)
        let (program, qm) = try planOptions.integerProgram(calibration: calibration, setup: setup, model: model)
        let net = try IntegerNetwork(program: program)
        print("model: \(model)  (\(setup.simulator.layers.count) weight layers, BN folded)")
        print("data: \(setup.test.source), \(setup.test.count) images; calibration: \(setup.calibrationCount) training images, seed \(calibration.seed)")
        print("integer program: \(program.steps.count) steps, \(program.values.count) u8 tensors; kernels: \(CPUFeatures.active)")
        let floatBytes = setup.simulator.layers.reduce(0) { $0 + $1.weightCount * 4 }
        print("weight bytes: \(net.weightBytes) packed by the engine, \(qm.weightBytes) predicted (PackedSize) vs \(floatBytes) fp32")

        let test = setup.test
        let evaluation = net.evaluate(on: test, normalization: setup.normalization, batchSize: data.batch, profile: profile,
                                      progress: Progress(label: "engine").update)
        let result = evaluation.result, predictions = evaluation.predictions
        print("engine        \(result.top1Line)  \(String(format: "%.1f", evaluation.imagesPerSecond)) images/s (\(Parallel.threadCount) threads)")
        if parity {
            let sim = ParitySimulator(program)
            var differ = 0, simResult = EvaluationResult()
            var start = 0
            while start < test.count {
                let range = start..<min(test.count, start + data.batch)
                let logits = sim.logits(test.batch(range, normalization: setup.normalization))
                simResult = simResult + EvaluationResult.score(logits: logits.data, classes: program.classes, labels: test.labels(range))
                for (i, p) in IntegerNetwork.argmax(logits.data, classes: program.classes).enumerated() where p != predictions[range.lowerBound + i] { differ += 1 }
                start = range.upperBound
                Progress(label: "parity").update(start, test.count)
            }
            print("simulator     \(simResult.top1Line)  (engine-parity mode)")
            print("parity: \(differ) of \(test.count) images' predictions differ between engine and simulator")
        }
        if let times = evaluation.stepSeconds {
            let total = times.reduce(0, +)
            let rows = program.steps.enumerated().map { i, s -> [String] in
                [s.name, net.describe(step: i), String(format: "%.3f", times[i]), String(format: "%.1f%%", 100 * times[i] / max(total, 1e-12))]
            }
            print(Table.render(header: ["step", "op", "seconds (all threads)", "share"], rows: rows))
        }
        print("top-1: \(result.top1Line.dropFirst("top-1: ".count))")
    }

}
