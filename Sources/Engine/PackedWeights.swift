import CKernels

/// Weights of one layer packed for the integer kernels: `rows` output channels, each a
/// packed row of `k` codes (the GEMM's reduction dimension), plus per-row float scales
/// and, for asymmetric integer codes, per-row zero-points.
///
/// Code conventions (the kernels' "signed domain" value w_s is what they multiply with):
/// - symmetric `.int(bits: b)`: signed codes q in [-2^(b-1), 2^(b-1)-1] (quantizers
///   normally use the symmetric [-(2^(b-1)-1), 2^(b-1)-1]); w_s = q, real = scale * q;
/// - asymmetric `.int(bits: b)`: unsigned codes c in [0, 2^b-1] and zero-point z per row;
///   w_s = c - 2^(b-1), real = scale * (c - z);
/// - `.ternary`: codes in {-1, 0, +1}; `.binary`: codes in {-1, +1}; real = scale * code.
public struct PackedWeights: Sendable, Equatable {
    public enum PackingError: Error, Equatable {
        case countMismatch(expected: Int, got: Int)
        case scaleCountMismatch(expected: Int, got: Int)
        case codeOutOfRange(index: Int, value: Int32, allowed: ClosedRange<Int32>)
        case zeroPointOutOfRange(row: Int, value: Int32)
        case asymmetricNeedsIntFormat
    }

    public let format: WeightFormat
    public let rows: Int
    public let k: Int
    /// Packed codes, `rows * rowBytes` bytes (layout: README.md / ckernels.h).
    public let codes: [UInt8]
    /// Per-row (output channel) scale.
    public let scales: [Float]
    /// Per-row zero-points in the unsigned-code domain; nil for symmetric weights.
    public let zeroPoints: [Int32]?

    /// Bytes of one packed row.
    public var rowBytes: Int { format.rowBytes(k: k) }
    public var isAsymmetric: Bool { zeroPoints != nil }

    /// Bytes actually stored: packed codes (with row padding) + 4 per scale + 4 per
    /// zero-point. Equals rows * ceil(k/64) * blockBytes + 4*rows (+ 4*rows asymmetric).
    public var packedByteCount: Int {
        codes.count + scales.count * MemoryLayout<Float>.size
            + (zeroPoints?.count ?? 0) * MemoryLayout<Int32>.size
    }

    /// Packs symmetric codes (row-major, `rows * k`): signed integer codes for `.int`,
    /// {-1,0,1} for `.ternary`, {-1,1} for `.binary`.
    public init(format: WeightFormat, rows: Int, k: Int, codes: [Int32], scales: [Float]) throws {
        try self.init(format: format, rows: rows, k: k, signed: codes, scales: scales, zeroPoints: nil)
    }

    /// Packs asymmetric unsigned codes c in [0, 2^bits-1] with per-row zero-points.
    public init(bits: Int, rows: Int, k: Int, unsignedCodes: [Int32], zeroPoints: [Int32],
                scales: [Float]) throws {
        guard (2...8).contains(bits) else { throw PackingError.asymmetricNeedsIntFormat }
        guard zeroPoints.count == rows else {
            throw PackingError.scaleCountMismatch(expected: rows, got: zeroPoints.count)
        }
        let half = Int32(1) << (bits - 1)
        let maxCode = (Int32(1) << bits) - 1
        for (i, c) in unsignedCodes.enumerated() where c < 0 || c > maxCode {
            throw PackingError.codeOutOfRange(index: i, value: c, allowed: 0...maxCode)
        }
        for (r, z) in zeroPoints.enumerated() where z < 0 || z > maxCode {
            throw PackingError.zeroPointOutOfRange(row: r, value: z)
        }
        try self.init(format: .int(bits: bits), rows: rows, k: k, signed: unsignedCodes.map { $0 - half },
                      scales: scales, zeroPoints: zeroPoints)
    }

    private init(format: WeightFormat, rows: Int, k: Int, signed: [Int32], scales: [Float],
                 zeroPoints: [Int32]?) throws {
        precondition(rows >= 0 && k >= 0, "PackedWeights: negative shape \(rows)x\(k)")
        guard signed.count == rows * k else {
            throw PackingError.countMismatch(expected: rows * k, got: signed.count)
        }
        guard scales.count == rows else { throw PackingError.scaleCountMismatch(expected: rows, got: scales.count) }
        let range = format.signedRange
        var values = [Int8](repeating: 0, count: signed.count)
        for (i, v) in signed.enumerated() {
            if !range.contains(v) || (format == .binary && v == 0) {
                let shown = zeroPoints == nil ? v : v + (range.upperBound + 1)
                let allowed = zeroPoints == nil ? range : 0...(2 * range.upperBound + 1)
                throw PackingError.codeOutOfRange(index: i, value: shown, allowed: allowed)
            }
            values[i] = Int8(v)
        }
        let rowBytes = format.rowBytes(k: k)
        var packed = [UInt8](repeating: 0, count: rows * rowBytes)
        let rc = values.withUnsafeBufferPointer { vp in
            packed.withUnsafeMutableBufferPointer { pp in
                if let zp = zeroPoints {
                    return zp.withUnsafeBufferPointer {
                        bb_pack(format.cValue, rows, k, vp.baseAddress, $0.baseAddress, pp.baseAddress)
                    }
                }
                return bb_pack(format.cValue, rows, k, vp.baseAddress, nil, pp.baseAddress)
            }
        }
        precondition(rc == 0, "bb_pack rejected values that passed validation")
        self.format = format
        self.rows = rows
        self.k = k
        self.codes = packed
        self.scales = scales
        self.zeroPoints = zeroPoints
    }

    /// Signed-domain values w_s (rows * k, row-major), as the kernels see them.
    public func signedValues() -> [Int8] {
        var out = [Int8](repeating: 0, count: rows * k)
        codes.withUnsafeBufferPointer { cp in
            out.withUnsafeMutableBufferPointer { bb_unpack(format.cValue, rows, k, cp.baseAddress, $0.baseAddress) }
        }
        return out
    }

    /// The codes in the convention they were packed with: signed codes (symmetric,
    /// ternary, binary) or unsigned codes (asymmetric). Round-trips the initializer input.
    public func unpackCodes() -> [Int32] {
        let v = signedValues()
        if isAsymmetric, case .int(let b) = format {
            let half = Int32(1) << (b - 1)
            return v.map { Int32($0) + half }
        }
        return v.map { Int32($0) }
    }

    /// Signed-domain zero-point of each row (zero for symmetric, ternary and binary).
    public var signedZeroPoints: [Int32] {
        guard let zp = zeroPoints, case .int(let b) = format else { return [Int32](repeating: 0, count: rows) }
        return zp.map { $0 - (Int32(1) << (b - 1)) }
    }

    /// Real-valued weights scale[m] * (w_s - zs[m]), row-major.
    public func dequantized() -> [Float] {
        let v = signedValues()
        let zs = signedZeroPoints
        var out = [Float](repeating: 0, count: rows * k)
        for m in 0..<rows {
            for j in 0..<k { out[m * k + j] = scales[m] * Float(Int32(v[m * k + j]) - zs[m]) }
        }
        return out
    }

    /// Calls `body` with a C view of these weights, valid only inside `body`.
    public func withCView<R>(_ body: (UnsafePointer<bb_weights>) throws -> R) rethrows -> R {
        try codes.withUnsafeBufferPointer { cp in
            try scales.withUnsafeBufferPointer { sp in
                func call(_ zp: UnsafePointer<Int32>?) throws -> R {
                    var view = bb_weights(format: format.cValue, rows: Int32(rows), k: Int32(k),
                                          row_bytes: Int32(rowBytes), codes: cp.baseAddress,
                                          scales: sp.baseAddress, zero_points: zp)
                    return try withUnsafePointer(to: &view) { try body($0) }
                }
                if let zps = zeroPoints { return try zps.withUnsafeBufferPointer { try call($0.baseAddress) } }
                return try call(nil)
            }
        }
    }
}
