import Engine

/// Deterministic SplitMix64 generator so failures reproduce.
struct SplitMix64: RandomNumberGenerator {
    var state: UInt64
    init(seed: UInt64) { state = seed }
    mutating func next() -> UInt64 {
        state &+= 0x9E37_79B9_7F4A_7C15
        var z = state
        z = (z ^ (z >> 30)) &* 0xBF58_476D_1CE4_E5B9
        z = (z ^ (z >> 27)) &* 0x94D0_49BB_1331_11EB
        return z ^ (z >> 31)
    }
}

/// Every weight format the tests sweep: bit-widths 1 (binary) ... 8 and ternary.
let allFormats: [WeightFormat] = [.binary, .int(bits: 2), .int(bits: 3), .int(bits: 4), .int(bits: 5),
                                  .int(bits: 6), .int(bits: 7), .int(bits: 8), .ternary]

/// The awkward sizes from the brief (not multiples of any vector width).
let oddSizes = [1, 3, 17, 63, 65, 129, 300]

/// Levels above scalar that this CPU can run (the SIMD paths under test).
var simdLevels: [KernelLevel] { CPUFeatures.supportedLevels.filter { $0 > .scalar } }

func randomSignedCodes(_ format: WeightFormat, count: Int, using rng: inout SplitMix64) -> [Int32] {
    let r = format.signedRange
    return (0..<count).map { _ in
        if format == .binary { return Bool.random(using: &rng) ? 1 : -1 }
        return Int32.random(in: r, using: &rng)
    }
}

func randomWeights(_ format: WeightFormat, rows: Int, k: Int, asymmetric: Bool,
                   using rng: inout SplitMix64) -> PackedWeights {
    let scales = (0..<rows).map { _ in Float.random(in: 0.001...0.1, using: &rng) }
    if asymmetric, case .int(let b) = format {
        let maxCode = (Int32(1) << b) - 1
        let codes = (0..<rows * k).map { _ in Int32.random(in: 0...maxCode, using: &rng) }
        let zps = (0..<rows).map { _ in Int32.random(in: 0...maxCode, using: &rng) }
        return try! PackedWeights(bits: b, rows: rows, k: k, unsignedCodes: codes, zeroPoints: zps, scales: scales)
    }
    return try! PackedWeights(format: format, rows: rows, k: k,
                              codes: randomSignedCodes(format, count: rows * k, using: &rng), scales: scales)
}

func randomBytes(_ count: Int, using rng: inout SplitMix64) -> [UInt8] {
    (0..<count).map { _ in UInt8.random(in: 0...255, using: &rng) }
}
