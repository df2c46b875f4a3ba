/// SplitMix64 (Steele, Lea & Flood, 2014): a tiny, fast 64-bit generator.
///
/// Shuffles and calibration subsets must be reproducible on every platform and Swift
/// version so that a bit-width search can be rerun exactly. `SystemRandomNumberGenerator`
/// is not seedable, and `Int.random(in:using:)` does not promise a stable algorithm, so the
/// generator and the bounded draw (``nextIndex(below:)``) are both defined here.
public struct SplitMix64: RandomNumberGenerator, Sendable {
    public private(set) var state: UInt64

    public init(seed: UInt64) {
        state = seed
    }

    public mutating func next() -> UInt64 {
        state &+= 0x9E37_79B9_7F4A_7C15
        var z = state
        z = (z ^ (z >> 30)) &* 0xBF58_476D_1CE4_E5B9
        z = (z ^ (z >> 27)) &* 0x94D0_49BB_1331_11EB
        return z ^ (z >> 31)
    }

    /// A uniform integer in `0..<bound`, by Lemire's multiply-and-reject method
    /// (unbiased, and fixed here so it cannot change under us).
    public mutating func nextIndex(below bound: Int) -> Int {
        precondition(bound > 0, "SplitMix64.nextIndex: bound must be positive")
        let b = UInt64(bound)
        var product = next().multipliedFullWidth(by: b)
        if product.low < b {
            let threshold = (0 &- b) % b
            while product.low < threshold {
                product = next().multipliedFullWidth(by: b)
            }
        }
        return Int(product.high)
    }

    /// A permutation of `0..<count` by Fisher–Yates with this generator.
    public static func permutation(count: Int, seed: UInt64) -> [Int] {
        var order = Array(0..<max(count, 0))
        var rng = SplitMix64(seed: seed)
        var i = order.count - 1
        while i > 0 {
            let j = rng.nextIndex(below: i + 1)
            order.swapAt(i, j)
            i -= 1
        }
        return order
    }
}
