import CKernels

/// Activations binarized to {-1,+1} for the XNOR GEMM: for each of `n` pixels, K bits
/// packed in `wordsPerPixel` 64-bit words (bit k set = -1); padding bits are zero.
public struct BinaryActivations: Sendable, Equatable {
    public let k: Int
    public let n: Int
    public let words: [UInt64]
    public var wordsPerPixel: Int { Int(bb_binary_words(k)) }

    /// Binarizes an im2col matrix X[k x n] (row stride `ldx`, default n): -1 where the
    /// code is below `zeroPoint` (negative real value), +1 otherwise.
    public init(im2col x: UnsafePointer<UInt8>, k: Int, n: Int, ldx: Int? = nil, zeroPoint: Int32) {
        self.k = k
        self.n = n
        var w = [UInt64](repeating: 0, count: n * Int(bb_binary_words(k)))
        w.withUnsafeMutableBufferPointer {
            bb_pack_binary_activations_u8(x, k, n, ldx ?? n, zeroPoint, $0.baseAddress)
        }
        self.words = w
    }

    public init(im2col x: [UInt8], k: Int, n: Int, zeroPoint: Int32) {
        precondition(x.count == k * n, "BinaryActivations: \(x.count) codes for \(k)x\(n)")
        self = x.withUnsafeBufferPointer { BinaryActivations(im2col: $0.baseAddress!, k: k, n: n, zeroPoint: zeroPoint) }
    }

    /// From explicit signs, pixel-major: `signs[j*k + kk]` in {-1, +1}.
    public init(signs: [Int8], k: Int, n: Int) {
        precondition(signs.count == k * n, "BinaryActivations: \(signs.count) signs for \(n)x\(k)")
        self.k = k
        self.n = n
        let wpp = Int(bb_binary_words(k))
        var w = [UInt64](repeating: 0, count: n * wpp)
        for j in 0..<n {
            for kk in 0..<k where signs[j * k + kk] < 0 {
                w[j * wpp + kk / 64] |= UInt64(1) << UInt64(kk % 64)
            }
        }
        self.words = w
    }

    /// The ±1 value of bit `kk` of pixel `j`.
    public func sign(pixel j: Int, k kk: Int) -> Int8 {
        (words[j * wordsPerPixel + kk / 64] >> UInt64(kk % 64)) & 1 == 1 ? -1 : 1
    }
}
