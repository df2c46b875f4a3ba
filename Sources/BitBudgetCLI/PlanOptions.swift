import ArgumentParser
import Quantizers
import Simulation

/// The precision plan a command simulates or runs — `--plan FILE` or `--uniform W[/A]` with its
/// quantizer, granularity and activation calibration — and `--no-correction`. One option group for
/// `quantize`, `run` and `bench`, so the three build and calibrate a plan identically.
struct PlanOptions: ParsableArguments {
    @Option(help: ArgumentHelp("Uniform precision: weight bits, optionally /activation bits (e.g. 4 or 4/8). W alone: float activations in `quantize`, 8-bit on the integer engine (`run`, `bench`).", valueName: "W[/A]"))
    var uniform: String?

    @Option(help: "Per-layer plan JSON (instead of --uniform).")
    var plan: String?

    @Option(help: "Weight quantizer for --uniform: uniform, uniform-asym, pow2, kmeans, binary, ternary (the integer engine runs uniform, uniform-asym, binary and ternary).")
    var quantizer: String = "uniform"

    @Option(help: "Weight granularity for --uniform: per-channel or per-tensor.")
    var granularity: String = "per-channel"

    @Option(help: "Activation calibration for --uniform: minmax, percentile:P, mse, kl, fixed:A.")
    var actCalibration: String = "percentile:99.99"

    @Flag(help: "Skip statistics correction (`quantize` then reports only the uncorrected plan).")
    var noCorrection = false

    /// Whether --plan or --uniform was given.
    var isGiven: Bool { uniform != nil || plan != nil }

    /// The plan of `--plan FILE` or `--uniform W[/A]`, and the name to report it under.
    func makePlan(calibration: CalibrationOptions, setup: SimulationSetup, model: String) throws -> (QuantizationPlan, String) {
        if let path = plan { return (try QuantizationPlan.load(path), path) }
        let (w, a) = try Self.parseUniform(uniform!)
        let name = try QuantizerSpec.Name(parsing: quantizer)
        let spec = try QuantizerSpec(name, bits: name == .binary ? 1 : name == .ternary ? 2 : w,
                                     granularity: try Granularity(parsing: granularity),
                                     clip: name.isUniform ? try ClipSearch(parsing: calibration.clip) : .minMax)
        let plan = try QuantizationPlan.uniform(layers: setup.simulator.layers, spec: spec, activationBits: a,
                                                edges: try EdgeLayerPolicy(parsing: calibration.firstLast), model: model,
                                                activationCalibration: actCalibration)
        return (plan, "--uniform")
    }

    /// The integer program the engine runs for this plan: every layer without activation bits
    /// (including `--uniform W` alone) gets 8-bit activations; correction unless --no-correction.
    func integerProgram(calibration: CalibrationOptions, setup: SimulationSetup, model: String) throws -> (program: IntegerProgram, model: QuantizedModel) {
        var (plan, planFile) = try makePlan(calibration: calibration, setup: setup, model: model)
        for i in plan.layers.indices where plan.layers[i].activationBits == nil { plan.layers[i].activationBits = 8 }
        return try setup.simulator.integerProgram(plan, correction: !noCorrection, planFile: planFile)
    }

    static func parseUniform(_ s: String) throws -> (Int, Int?) {
        let parts = s.split(separator: "/").map(String.init)
        guard (1...2).contains(parts.count), let w = Int(parts[0]), (1...8).contains(w) else {
            throw ValidationError("--uniform '\(s)': expected W or W/A with W in 1–8 (e.g. 4/8)")
        }
        if parts.count == 2 {
            guard let a = Int(parts[1]), (2...8).contains(a) else { throw ValidationError("--uniform '\(s)': activation bits must be 2–8") }
            return (w, a)
        }
        return (w, nil)
    }
}
