// swift-tools-version:5.9
// BitBudget: per-layer bit-width search for image-classification CNNs.
// Data flows one way: CLI -> search -> quantization/engine -> model IR -> tensor math.
import PackageDescription

let release: [SwiftSetting] = [.unsafeFlags(["-Ounchecked"], .when(configuration: .release))]

let package = Package(
    name: "BitBudget",
    products: [
        .executable(name: "bitbudget", targets: ["BitBudgetCLI"]),
    ],
    dependencies: [
        .package(url: "https://github.com/apple/swift-argument-parser", from: "1.5.0"),
        .package(url: "https://github.com/apple/swift-protobuf", from: "1.39.0"),
    ],
    targets: [
        // C shims: system libraries and the integer kernels.
        .systemLibrary(name: "CBLAS", path: "Sources/CBLAS", providers: [.apt(["libopenblas-dev"])]),
        .systemLibrary(name: "CZlib", path: "Sources/CZlib", providers: [.apt(["zlib1g-dev"])]),
        .target(name: "CKernels", path: "Sources/CKernels",
                cSettings: [.unsafeFlags(["-O3"])]),
        // Direct FP32 convolution kernel behind TensorMath (its own C shim).
        .target(name: "CFloatConv", path: "Sources/CFloatConv", exclude: ["README.md"],
                cSettings: [.unsafeFlags(["-O3"])]),

        // Tensor math: imports nothing of ours but its C shims.
        .target(name: "TensorMath", dependencies: ["CBLAS", "CFloatConv"], exclude: ["README.md"], swiftSettings: release),
        // ONNX protobuf message types (generated once, committed).
        .target(name: "ONNXProto", dependencies: [.product(name: "SwiftProtobuf", package: "swift-protobuf")],
                exclude: ["README.md", "generate.sh", "onnx-subset.proto"]),
        // Model IR, ONNX import/export, BN folding.
        .target(name: "ModelIR", dependencies: ["TensorMath", "ONNXProto", .product(name: "SwiftProtobuf", package: "swift-protobuf")], exclude: ["README.md"], swiftSettings: release),
        // FP32 executor and evaluation.
        .target(name: "Inference", dependencies: ["ModelIR", "TensorMath", "Datasets"], exclude: ["README.md"], swiftSettings: release),
        // Datasets: CIFAR-10 binary, IDX (gzip), .npy.
        .target(name: "Datasets", dependencies: ["TensorMath", "CZlib"], exclude: ["README.md"], swiftSettings: release),
        // Quantizers: the survey's rounding rules, one definition each.
        .target(name: "Quantizers", dependencies: ["TensorMath"], exclude: ["README.md"], swiftSettings: release),
        // Allocators: pure functions of (scores, costs, budget).
        .target(name: "Allocators", exclude: ["README.md"], swiftSettings: release),
        // Reports: SVG plots and CSV tables (Foundation only).
        .target(name: "Reports", exclude: ["README.md"]),
        // Quantization plan + fake-quant simulator with statistics correction.
        .target(name: "Simulation", dependencies: ["ModelIR", "Inference", "Quantizers", "Datasets", "TensorMath", "CKernels", "CBLAS"], exclude: ["README.md"], swiftSettings: release),
        // Sensitivity analysis: per-layer damage at each candidate bit-width.
        .target(name: "Sensitivity", dependencies: ["Simulation", "Quantizers", "TensorMath", "Inference", "ModelIR", "Training"], exclude: ["README.md"], swiftSettings: release),
        // Integer engine: packed weights, integer kernels, and the whole-model pipeline over
        // the simulator's IntegerProgram (never search or training).
        .target(name: "Engine", dependencies: ["CKernels", "Quantizers", "TensorMath", "Simulation", "Inference", "Datasets"], exclude: ["README.md"], swiftSettings: release),

        // Training: backward pass, SGD, built-in architectures.
        .target(name: "Training", dependencies: ["TensorMath", "ModelIR", "Inference", "Datasets"],
                exclude: ["README.md"], swiftSettings: release),

        .executableTarget(name: "BitBudgetCLI", dependencies: [
            "TensorMath", "ModelIR", "Inference", "Datasets", "Quantizers", "Allocators", "Engine", "Simulation", "Sensitivity", "Training", "Reports",
            .product(name: "ArgumentParser", package: "swift-argument-parser"),
        ], swiftSettings: release),
        // Experiments: quantizer sweep, kernel micro-benchmarks (run in release).
        .executableTarget(name: "quantizer-sweep", dependencies: ["Simulation", "Quantizers", "Datasets", "Inference", "ModelIR"],
                          path: "Experiments/QuantizerSweep", swiftSettings: release),
        .executableTarget(name: "kernel-bench", dependencies: ["Engine", "TensorMath"],
                          path: "Experiments/KernelBench", swiftSettings: release),

        .testTarget(name: "TensorMathTests", dependencies: ["TensorMath", "CFloatConv"]),
        .testTarget(name: "ModelIRTests", dependencies: [
            "ModelIR", "Inference", "TensorMath", "Datasets", "ONNXProto",
            .product(name: "SwiftProtobuf", package: "swift-protobuf"),
            "TestSupport",
        ], exclude: ["Fixtures"]),
        .target(name: "TestSupport", path: "Tests/TestSupport"),
        .testTarget(name: "DatasetsTests", dependencies: ["Datasets", "TensorMath"]),
        .testTarget(name: "QuantizersTests", dependencies: ["Quantizers", "TensorMath"]),
        .testTarget(name: "SimulationTests", dependencies: ["Simulation", "ModelIR", "Inference", "Quantizers", "Datasets", "TensorMath", "TestSupport"]),
        .testTarget(name: "CLITests", dependencies: ["TestSupport"]),
        .testTarget(name: "SensitivityTests", dependencies: ["Sensitivity", "Simulation", "Training", "ModelIR", "Inference", "Quantizers", "TensorMath", "TestSupport"]),
        .testTarget(name: "AllocatorsTests", dependencies: ["Allocators"]),
        .testTarget(name: "ReportsTests", dependencies: ["Reports"]),
        .testTarget(name: "TrainingTests", dependencies: ["Training", "ModelIR", "Inference", "TensorMath", "Datasets"]),
        .testTarget(name: "EngineTests", dependencies: ["Engine", "CKernels", "Quantizers", "TensorMath", "Simulation", "ModelIR", "Inference"]),
    ]
)
