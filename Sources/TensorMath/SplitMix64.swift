/// SplitMix64 (Steele, Lea & Flood 2014): a tiny, platform-independent 64-bit generator.
///
/// One seeded generator for the whole project (shuffles, calibration subsets, stochastic
/// rounding, training), so a search reruns exactly on every platform. The n-th output (n = 1, 2, ...) of a
/// generator seeded with `seed` is `SplitMix64.mix(seed &+ n &* 0x9E3779B97F4A7C15)`, so a
/// value can also be drawn directly by index (`SplitMix64.value(seed:index:)`) — stochastic
/// rounding uses the element's row-major index, which makes the draw for each weight
/// independent of channel order, batching or threads.
public struct SplitMix64: RandomNumberGenerator, Sendable {
    public static let increment: UInt64 = 0x9E37_79B9_7F4A_7C15
    public private(set) var state: UInt64

    public init(seed: UInt64) { state = seed }

    public mutating func next() -> UInt64 {
        state &+= Self.increment
        return Self.mix(state)
    }

    /// The finalizer (a variant of MurmurHash3's fmix64).
    @inlinable @inline(__always)
    public static func mix(_ z0: UInt64) -> UInt64 {
        var z = z0
        z = (z ^ (z >> 30)) &* 0xBF58_476D_1CE4_E5B9
        z = (z ^ (z >> 27)) &* 0x94D0_49BB_1331_11EB
        return z ^ (z >> 31)
    }

    /// The (index + 1)-th output of `SplitMix64(seed: seed)`.
    @inlinable @inline(__always)
    public static func value(seed: UInt64, index: Int) -> UInt64 {
        mix(seed &+ (UInt64(truncatingIfNeeded: index) &+ 1) &* increment)
    }

    /// A uniform Float in [0, 1) with 24 random bits, from the (index + 1)-th output.
    @inlinable @inline(__always)
    public static func unitFloat(seed: UInt64, index: Int) -> Float {
        Float(value(seed: seed, index: index) >> 40) * 0x1p-24
    }

    /// Next uniform Float in [0, 1) with 24 random bits.
    public mutating func nextUnitFloat() -> Float { Float(next() >> 40) * 0x1p-24 }

    /// Next uniform Double in [0, 1) with 53 random bits.
    public mutating func nextUnitDouble() -> Double { Double(next() >> 11) * 0x1p-53 }

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
