import Foundation

/// A dense, row-major float32 tensor with value semantics.
///
/// BitBudget keeps one tensor type for weights and activations: a shape and a flat
/// `[Float]` buffer (copy-on-write). Activations are NCHW. Kernels reach the storage
/// through `withUnsafe…` so the hot loops run without bounds or COW checks.
public struct Tensor: Sendable, Equatable {
    public var shape: [Int]
    public var data: [Float]

    /// Wraps `data`; the element count must equal the product of `shape`.
    public init(shape: [Int], data: [Float]) {
        precondition(shape.reduce(1, *) == data.count,
                     "Tensor: shape \(shape) holds \(shape.reduce(1, *)) values, data has \(data.count)")
        self.shape = shape
        self.data = data
    }

    /// A tensor of zeros.
    public init(zeros shape: [Int]) {
        self.shape = shape
        self.data = [Float](repeating: 0, count: shape.reduce(1, *))
    }

    /// A tensor whose every element the caller overwrites before reading (skips zero-filling).
    public init(uninitialized shape: [Int]) {
        self.shape = shape
        let n = shape.reduce(1, *)
        self.data = [Float](unsafeUninitializedCapacity: n) { _, count in count = n }
    }

    /// A tensor filled with `value`.
    public init(repeating value: Float, shape: [Int]) {
        self.shape = shape
        self.data = [Float](repeating: value, count: shape.reduce(1, *))
    }

    /// A scalar (rank-0) tensor.
    public init(scalar: Float) {
        self.shape = []
        self.data = [scalar]
    }

    public var count: Int { data.count }
    public var rank: Int { shape.count }

    /// Returns the same data under a new shape with the same element count.
    public func reshaped(_ newShape: [Int]) -> Tensor {
        Tensor(shape: newShape, data: data)
    }
}

extension Tensor: CustomStringConvertible {
    public var description: String {
        let head = data.prefix(8).map { String(format: "%.4g", $0) }.joined(separator: ", ")
        return "Tensor\(shape)[\(head)\(data.count > 8 ? ", …" : "")]"
    }
}
