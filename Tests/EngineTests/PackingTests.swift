import CKernels
import XCTest
@testable import Engine

final class PackingTests: XCTestCase {
    func testRoundTripEveryFormatSymmetric() throws {
        var rng = SplitMix64(seed: 1)
        for format in allFormats {
            for (rows, k) in [(1, 1), (3, 63), (2, 64), (5, 65), (4, 129), (2, 300)] {
                let codes = randomSignedCodes(format, count: rows * k, using: &rng)
                let w = try PackedWeights(format: format, rows: rows, k: k, codes: codes,
                                          scales: [Float](repeating: 0.5, count: rows))
                XCTAssertEqual(w.unpackCodes(), codes, "\(format) \(rows)x\(k)")
                XCTAssertEqual(w.signedValues().map { Int32($0) }, codes)
            }
        }
    }

    func testRoundTripAsymmetric() throws {
        var rng = SplitMix64(seed: 2)
        for b in 2...8 {
            let rows = 3, k = 77
            let maxCode = (Int32(1) << b) - 1
            let codes = (0..<rows * k).map { _ in Int32.random(in: 0...maxCode, using: &rng) }
            let zps = (0..<rows).map { _ in Int32.random(in: 0...maxCode, using: &rng) }
            let w = try PackedWeights(bits: b, rows: rows, k: k, unsignedCodes: codes, zeroPoints: zps,
                                      scales: [0.1, 0.2, 0.3])
            XCTAssertEqual(w.unpackCodes(), codes, "int\(b)")
            XCTAssertEqual(w.zeroPoints, zps)
            XCTAssertEqual(w.signedZeroPoints, zps.map { $0 - (Int32(1) << (b - 1)) })
            let deq = w.dequantized()
            for i in 0..<rows * k {
                XCTAssertEqual(deq[i], w.scales[i / k] * Float(codes[i] - zps[i / k]))
            }
        }
    }

    func testPackedByteCounts() throws {
        for format in allFormats {
            for (rows, k) in [(1, 1), (16, 144), (32, 288), (64, 576), (10, 65)] {
                let codes = [Int32](repeating: format == .binary ? 1 : 0, count: rows * k)
                let w = try PackedWeights(format: format, rows: rows, k: k, codes: codes,
                                          scales: [Float](repeating: 1, count: rows))
                let blocks = (k + 63) / 64
                let perBlock: Int
                switch format {
                case .int(let b): perBlock = 8 * b
                case .ternary: perBlock = 16
                case .binary: perBlock = 8
                }
                XCTAssertEqual(w.codes.count, rows * blocks * perBlock, "\(format)")
                XCTAssertEqual(w.packedByteCount, rows * blocks * perBlock + 4 * rows, "\(format)")
                XCTAssertEqual(w.rowBytes, blocks * perBlock)
            }
        }
        let a = try PackedWeights(bits: 4, rows: 2, k: 64, unsignedCodes: [Int32](repeating: 3, count: 128),
                                  zeroPoints: [8, 7], scales: [1, 1])
        XCTAssertEqual(a.packedByteCount, 2 * 32 + 8 + 8)
    }

    /// Spot checks of the documented byte layouts.
    func testDocumentedLayouts() throws {
        let k = 64
        // int4: byte j = u[j] | u[j+32] << 4, u = q + 8
        var q4 = [Int32](repeating: 0, count: k)
        q4[0] = -8; q4[32] = 7; q4[5] = 3; q4[37] = -1
        let w4 = try PackedWeights(format: .int(bits: 4), rows: 1, k: k, codes: q4, scales: [1])
        XCTAssertEqual(w4.codes[0], 0 | (15 << 4))
        XCTAssertEqual(w4.codes[5], 11 | (7 << 4))
        XCTAssertEqual(w4.codes[1], 8 | (8 << 4))
        // int2: byte j holds u[j + 16t] in bits 2t..2t+1, u = q + 2
        var q2 = [Int32](repeating: 0, count: k)
        q2[0] = -2; q2[16] = -1; q2[32] = 1; q2[48] = 0
        let w2 = try PackedWeights(format: .int(bits: 2), rows: 1, k: k, codes: q2, scales: [1])
        XCTAssertEqual(w2.codes[0], 0 | (1 << 2) | (3 << 4) | (2 << 6))
        XCTAssertEqual(w2.codes.count, 16)
        // int3 = crumbs (bits 0-1 of u) then plane (bit 2), u = q + 4
        var q3 = [Int32](repeating: -4, count: k)
        q3[1] = 3  // u = 7
        let w3 = try PackedWeights(format: .int(bits: 3), rows: 1, k: k, codes: q3, scales: [1])
        XCTAssertEqual(w3.codes.count, 24)
        XCTAssertEqual(w3.codes[1], 3)             // crumb of u[1] (t = 0)
        XCTAssertEqual(w3.codes[16], 0b10)         // plane word byte 0: bit 1 set
        XCTAssertEqual(w3.codes[0], 0)
        // int8: plain two's complement
        var q8 = [Int32](repeating: 0, count: 2)
        q8[0] = -128; q8[1] = 127
        let w8 = try PackedWeights(format: .int(bits: 8), rows: 1, k: 2, codes: q8, scales: [1])
        XCTAssertEqual(Array(w8.codes.prefix(2)), [0x80, 0x7F])
        XCTAssertEqual(w8.codes.count, 64)
        // binary: bit set = -1, padding bits zero
        let wb = try PackedWeights(format: .binary, rows: 1, k: 3, codes: [-1, 1, -1], scales: [1])
        XCTAssertEqual(wb.codes, [0b101, 0, 0, 0, 0, 0, 0, 0])
        // ternary: nonzero mask then sign mask
        let wt = try PackedWeights(format: .ternary, rows: 1, k: 3, codes: [-1, 0, 1], scales: [1])
        XCTAssertEqual(Array(wt.codes[0..<8]), [0b101, 0, 0, 0, 0, 0, 0, 0])
        XCTAssertEqual(Array(wt.codes[8..<16]), [0b001, 0, 0, 0, 0, 0, 0, 0])
    }

    /// Row padding holds the row's zero value so packed rows never leak into results.
    func testPaddingHoldsZeroValue() throws {
        let w = try PackedWeights(bits: 4, rows: 1, k: 1, unsignedCodes: [5], zeroPoints: [11], scales: [1])
        var full = [Int8](repeating: 0, count: 64)
        w.codes.withUnsafeBufferPointer { bb_unpack(w.format.cValue, 1, 64, $0.baseAddress, &full) }
        XCTAssertEqual(full[0], 5 - 8)
        XCTAssertTrue(full[1...].allSatisfy { $0 == 11 - 8 })
    }

    func testRejectsOutOfRangeCodes() {
        XCTAssertThrowsError(try PackedWeights(format: .int(bits: 3), rows: 1, k: 1, codes: [4], scales: [1]))
        XCTAssertThrowsError(try PackedWeights(format: .binary, rows: 1, k: 1, codes: [0], scales: [1]))
        XCTAssertThrowsError(try PackedWeights(format: .ternary, rows: 1, k: 1, codes: [2], scales: [1]))
        XCTAssertThrowsError(try PackedWeights(bits: 2, rows: 1, k: 1, unsignedCodes: [4], zeroPoints: [0], scales: [1]))
        XCTAssertThrowsError(try PackedWeights(bits: 2, rows: 1, k: 1, unsignedCodes: [1], zeroPoints: [9], scales: [1]))
        XCTAssertThrowsError(try PackedWeights(format: .int(bits: 8), rows: 2, k: 1, codes: [1], scales: [1, 1]))
    }
}
