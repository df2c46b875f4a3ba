import ArgumentParser

/// `bitbudget`: find per-layer bit-widths for image-classification CNNs.
@main
struct BitBudget: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "bitbudget",
        abstract: "Per-layer bit-width search for image-classification CNNs.",
        discussion: """
        Bring an ONNX classifier and a dataset; BitBudget measures each layer's sensitivity to \
        quantization, allocates bits under a budget and re-validates the plan.

        Start with:
          bitbudget info MODEL.onnx                 layers, parameters, MACs, bytes
          bitbudget eval MODEL.onnx --data DIR      float accuracy on a dataset
          bitbudget quantize MODEL --data DIR --uniform 4/8       simulate a precision plan
          bitbudget search MODEL --data DIR --budget 3bits        find per-layer bit-widths
          bitbudget train --arch vgg-small --out model.onnx       train on Fashion-MNIST
          bitbudget bench MODEL.onnx                images/s at batch 1 and 256
        """,
        subcommands: [Info.self, Eval.self, Quantize.self, Search.self, Train.self, Bench.self])
}
