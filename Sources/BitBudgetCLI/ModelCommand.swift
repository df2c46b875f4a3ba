import Inference
import Simulation

/// A subcommand that works on one model file, so that a failure found while running the model
/// (a shape that does not fit, an operator the integer engine lacks) can name the file, as the
/// import errors do: `net.onnx: node 'fc': Gemm inner dimensions differ …`.
protocol ModelCommand {
    /// The model file the command reads (nil: none, e.g. training a built-in architecture).
    var modelFile: String? { get }
}

extension ModelCommand {
    /// `message`, prefixed with the model file when `error` is about running the model and the
    /// message does not name the file already. Other errors (dataset, plan, budget files) name
    /// their own file.
    func naming(_ error: Error, _ message: String) -> String {
        guard let file = modelFile, error is ExecutionError || error is IntegerProgramError,
              !message.contains(file) else { return message }
        return "\(file): \(message)"
    }
}

extension Info: ModelCommand { var modelFile: String? { model } }
extension Eval: ModelCommand { var modelFile: String? { model } }
extension Quantize: ModelCommand { var modelFile: String? { model } }
extension Search: ModelCommand { var modelFile: String? { model } }
extension Run: ModelCommand { var modelFile: String? { model } }
extension Bench: ModelCommand { var modelFile: String? { model } }
extension Train: ModelCommand { var modelFile: String? { initModel ?? resume } }
