import Datasets
import Foundation
import ModelIR
import TensorMath

/// Built-in architectures, built as IR graphs with seeded He initialization.
///
/// - `vgg-small`: conv3×3(32)-BN-ReLU ×2, max-pool, conv3×3(64)-BN-ReLU ×2, max-pool,
///   flatten, Gemm → classes. About 18 M MACs on a 28×28 image.
/// - `vgg-tiny`: the same with 16 and 32 channels (about 4.6 M MACs).
/// - `resnet-small`: a CIFAR-style ResNet-8 (stem conv 16, one basic block per stage at
///   16/32/64 channels, 1×1 projection shortcuts with BN when the shape changes), global
///   average pool, Gemm.
///
/// Every graph carries metadata `mean`/`std` (Fashion-MNIST statistics for 1 channel, CIFAR-10
/// for 3, else 0/1) and `classes` when known, so `bitbudget eval` and onnxruntime feed it
/// exactly the inputs it was trained on.
public enum Architectures {
    public static let names = ["vgg-small", "vgg-tiny", "resnet-small"]

    public static func build(_ name: String, channels: Int, height: Int, width: Int, classes: Int,
                             classNames: [String]? = nil, seed: UInt64) throws -> Graph {
        var b = Builder(seed: seed)
        var x = "input"
        switch name {
        case "vgg-small", "vgg-tiny":
            let (c1, c2) = name == "vgg-small" ? (32, 64) : (16, 32)
            x = b.convBNRelu(x, "conv1", cin: channels, cout: c1)
            x = b.convBNRelu(x, "conv2", cin: c1, cout: c1)
            x = b.maxPool(x, "pool1")
            x = b.convBNRelu(x, "conv3", cin: c1, cout: c2)
            x = b.convBNRelu(x, "conv4", cin: c2, cout: c2)
            x = b.maxPool(x, "pool2")
            x = b.flatten(x, "flatten")
            x = b.linear(x, "fc", inFeatures: c2 * (height / 4) * (width / 4), outFeatures: classes)
        case "resnet-small":
            x = b.convBNRelu(x, "stem", cin: channels, cout: 16)
            var cin = 16
            for (stage, cout) in [16, 32, 64].enumerated() {
                let stride = stage == 0 ? 1 : 2
                let p = "layer\(stage + 1)"
                var y = b.conv(x, p + ".conv1", cin: cin, cout: cout, k: 3, stride: stride)
                y = b.bn(y, p + ".bn1", cout)
                y = b.relu(y, p + ".relu1")
                y = b.conv(y, p + ".conv2", cin: cout, cout: cout, k: 3, stride: 1)
                y = b.bn(y, p + ".bn2", cout)
                var shortcut = x
                if stride != 1 || cin != cout {
                    shortcut = b.conv(x, p + ".down", cin: cin, cout: cout, k: 1, stride: stride)
                    shortcut = b.bn(shortcut, p + ".down_bn", cout)
                }
                y = b.add(y, shortcut, p + ".add")
                x = b.relu(y, p + ".relu2")
                cin = cout
            }
            x = b.node(.globalAveragePool, [x], "gap")
            x = b.flatten(x, "flatten")
            x = b.linear(x, "fc", inFeatures: 64, outFeatures: classes)
        default:
            throw TrainingError("unknown architecture '\(name)' (choose: \(names.joined(separator: ", ")))")
        }
        let norm: Normalization = channels == 1 ? .fashionMNIST : channels == 3 ? .cifar10 : .identity(channels: channels)
        var meta: [String: String] = [
            "mean": norm.mean.map { "\($0)" }.joined(separator: ","),
            "std": norm.std.map { "\($0)" }.joined(separator: ","),
            "architecture": name,
        ]
        if let classNames, classNames.count == classes { meta["classes"] = classNames.joined(separator: ",") }
        return Graph(name: name, inputs: [ValueInfo(name: "input", shape: [nil, channels, height, width])],
                     outputs: [x], nodes: b.nodes, initializers: b.initializers, metadata: meta, opset: 13)
    }

    /// Graph builder with a seeded normal generator.
    struct Builder {
        var rng: SplitMix64
        var nodes: [Node] = []
        var initializers: [String: Tensor] = [:]
        init(seed: UInt64) { rng = SplitMix64(seed: seed) }

        mutating func normal() -> Float {
            // Box–Muller on two 53-bit uniforms.
            let u1 = (Double(rng.next() >> 11) + 1) / 9007199254740993.0
            let u2 = Double(rng.next() >> 11) / 9007199254740992.0
            return Float((-2 * log(u1)).squareRoot() * cos(2 * Double.pi * u2))
        }

        mutating func node(_ op: Operator, _ inputs: [String], _ name: String) -> String {
            let out = name + "_out"
            nodes.append(Node(name: name, op: op, inputs: inputs, outputs: [out]))
            return out
        }

        /// He (Kaiming) normal, fan-in, no bias (a BN follows).
        mutating func conv(_ x: String, _ name: String, cin: Int, cout: Int, k: Int, stride: Int) -> String {
            let std = (2 / Float(cin * k * k)).squareRoot()
            initializers[name + ".weight"] = Tensor(shape: [cout, cin, k, k], data: (0..<(cout * cin * k * k)).map { _ in normal() * std })
            let p = k / 2
            let g = Conv2DGeometry(kernelH: k, kernelW: k, strideH: stride, strideW: stride, padTop: p, padLeft: p, padBottom: p, padRight: p)
            return node(.conv(g, groups: 1), [x, name + ".weight"], name)
        }

        mutating func bn(_ x: String, _ name: String, _ c: Int) -> String {
            initializers[name + ".weight"] = Tensor(repeating: 1, shape: [c])
            initializers[name + ".bias"] = Tensor(zeros: [c])
            initializers[name + ".running_mean"] = Tensor(zeros: [c])
            initializers[name + ".running_var"] = Tensor(repeating: 1, shape: [c])
            return node(.batchNorm(epsilon: 1e-5), [x, name + ".weight", name + ".bias", name + ".running_mean", name + ".running_var"], name)
        }

        mutating func relu(_ x: String, _ name: String) -> String { node(.relu, [x], name) }

        mutating func convBNRelu(_ x: String, _ name: String, cin: Int, cout: Int) -> String {
            let c = conv(x, name, cin: cin, cout: cout, k: 3, stride: 1)
            return relu(bn(c, name + ".bn", cout), name + ".relu")
        }

        mutating func maxPool(_ x: String, _ name: String) -> String {
            node(.maxPool(Conv2DGeometry(kernelH: 2, kernelW: 2, strideH: 2, strideW: 2), ceilMode: false), [x], name)
        }

        mutating func flatten(_ x: String, _ name: String) -> String { node(.flatten(axis: 1), [x], name) }

        mutating func add(_ a: String, _ b: String, _ name: String) -> String { node(.binary(.add), [a, b], name) }

        /// PyTorch Linear init: U(−1/√fan_in, 1/√fan_in) for weight and bias; weight [out, in], transB=1.
        mutating func linear(_ x: String, _ name: String, inFeatures: Int, outFeatures: Int) -> String {
            let bound = 1 / Float(inFeatures).squareRoot()
            func uniform() -> Float { Float(Double(rng.next() >> 11) / 9007199254740992.0) * 2 * bound - bound }
            initializers[name + ".weight"] = Tensor(shape: [outFeatures, inFeatures], data: (0..<(outFeatures * inFeatures)).map { _ in uniform() })
            initializers[name + ".bias"] = Tensor(shape: [outFeatures], data: (0..<outFeatures).map { _ in uniform() })
            return node(.gemm(alpha: 1, beta: 1, transA: false, transB: true), [x, name + ".weight", name + ".bias"], name)
        }
    }
}
