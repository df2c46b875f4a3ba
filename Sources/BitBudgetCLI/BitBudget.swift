import ArgumentParser
import Foundation

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
          bitbudget run MODEL --data DIR --uniform 4/8 --parity   run a plan on the integer engine
          bitbudget train --arch vgg-small --out model.onnx       train on Fashion-MNIST
          bitbudget bench MODEL.onnx                images/s at batch 1 and 256
        """,
        subcommands: [Info.self, Eval.self, Quantize.self, Search.self, Run.self, Train.self, Bench.self])

    /// Like the default entry point, but every failure is one line on stderr: the parser's
    /// own usage dump after a bad option value buries the message, and `--help` says more.
    /// Help and version requests still print in full.
    static func main() {
        var command: ParsableCommand?
        do {
            command = try parseAsRoot()
            try command!.run()
        } catch {
            let code = exitCode(for: error)
            guard code != .success else { exit(withError: error) }
            var message = self.message(for: error).split(separator: "\n").first.map(String.init) ?? "\(error)"
            if let modelCommand = command as? ModelCommand { message = modelCommand.naming(error, message) }
            FileHandle.standardError.write(Data("Error: \(message)\n".utf8))
            Foundation.exit(code.rawValue)
        }
    }
}
