import ArgumentParser
import Sensitivity
import Simulation
import TensorMath

/// How `search` runs its sensitivity analysis (how, not what: the metric stays `--metric`).
struct SensitivityOptions: ParsableArguments {
    @Option(help: "Calibration images per chunk of the sensitivity analysis (bounds its memory: one chunk's float activations).")
    var sensitivityChunk: Int = 128

    @Flag(help: "Sensitivity by one full simulator pass per (layer, bits) instead of reusing the float prefix (slower; the reference the fast path must match).")
    var exactReference = false

    @Option(help: "--metric hessian: Hutchinson samples (Rademacher vectors) per trace estimate.")
    var hessianSamples: Int = 16

    @Option(help: "--metric hessian: calibration images the Hessian-vector products use.")
    var hessianImages: Int = 128

    func validate() throws {
        if sensitivityChunk < 1 { throw ValidationError("--sensitivity-chunk must be at least 1") }
        if hessianSamples < 1 { throw ValidationError("--hessian-samples must be at least 1") }
        if hessianImages < 1 { throw ValidationError("--hessian-images must be at least 1") }
    }

    /// The analyzer for `metric` on the simulator's calibration batch.
    func analyzer(simulator: Simulator, labels: [Int32], metric: SensitivityMetric, seed: UInt64) -> SensitivityAnalyzer {
        var a = SensitivityAnalyzer(simulator: simulator, labels: labels, metric: metric,
                                    exactReference: exactReference, chunk: sensitivityChunk)
        a.hessian = HessianOptions(samples: hessianSamples, images: hessianImages, seed: seed)
        return a
    }
}
