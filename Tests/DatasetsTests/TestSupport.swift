import CZlib
import Datasets
import Foundation
import XCTest

/// A fresh directory under the system temp dir, removed when the test case ends.
final class TempDirectory {
    let path: String

    init(_ name: String = "bitbudget-datasets") {
        path = NSTemporaryDirectory() + "/\(name)-\(UUID().uuidString)"
        try! FileManager.default.createDirectory(atPath: path, withIntermediateDirectories: true)
    }

    deinit {
        try? FileManager.default.removeItem(atPath: path)
    }

    func url(_ name: String) -> String { path + "/" + name }

    @discardableResult
    func write(_ name: String, _ bytes: [UInt8]) -> String {
        let file = url(name)
        precondition(FileManager.default.createFile(atPath: file, contents: Data(bytes)), "cannot write \(file)")
        return file
    }

    /// Writes `bytes` gzip-compressed with zlib's gz* API.
    @discardableResult
    func writeGzip(_ name: String, _ bytes: [UInt8]) -> String {
        let file = url(name)
        let gz = gzopen(file, "wb")!
        let written = bytes.withUnsafeBytes { gzwrite(gz, $0.baseAddress, UInt32($0.count)) }
        precondition(Int(written) == bytes.count)
        gzclose(gz)
        return file
    }

    func subdirectory(_ name: String) -> String {
        let dir = url(name)
        try! FileManager.default.createDirectory(atPath: dir, withIntermediateDirectories: true)
        return dir
    }
}

// MARK: - Writers for tiny files in each format

enum Fixture {
    /// CIFAR records whose pixel at (channel c, index k) of image i is (i·7 + c·31 + k) mod 256.
    static func cifarRecords(labels: [UInt8], firstImage: Int = 0) -> [UInt8] {
        var out: [UInt8] = []
        for (n, label) in labels.enumerated() {
            out.append(label)
            for c in 0..<3 {
                for k in 0..<1024 { out.append(cifarPixel(image: firstImage + n, channel: c, index: k)) }
            }
        }
        return out
    }

    static func cifarPixel(image: Int, channel: Int, index: Int) -> UInt8 {
        UInt8((image * 7 + channel * 31 + index) % 256)
    }

    static func bigEndian(_ v: UInt32) -> [UInt8] {
        [UInt8(v >> 24), UInt8(v >> 16 & 0xFF), UInt8(v >> 8 & 0xFF), UInt8(v & 0xFF)]
    }

    static func idxImages(count: Int, rows: Int, cols: Int, pixel: (Int, Int) -> UInt8) -> [UInt8] {
        var out = bigEndian(0x0000_0803) + bigEndian(UInt32(count)) + bigEndian(UInt32(rows)) + bigEndian(UInt32(cols))
        for n in 0..<count {
            for k in 0..<(rows * cols) { out.append(pixel(n, k)) }
        }
        return out
    }

    static func idxLabels(_ labels: [UInt8]) -> [UInt8] {
        bigEndian(0x0000_0801) + bigEndian(UInt32(labels.count)) + labels
    }

    /// A .npy file with a hand-written header, padded so data starts on a 64-byte boundary.
    static func npy(descr: String, shape: [Int], data: [UInt8], fortran: Bool = false, version: UInt8 = 1) -> [UInt8] {
        let shapeText = shape.count == 1 ? "(\(shape[0]),)" : "(" + shape.map(String.init).joined(separator: ", ") + ")"
        var header = "{'descr': '\(descr)', 'fortran_order': \(fortran ? "True" : "False"), 'shape': \(shapeText), }"
        let prefix = version == 1 ? 10 : 12
        while (prefix + header.utf8.count + 1) % 64 != 0 { header += " " }
        header += "\n"
        var out: [UInt8] = [0x93] + Array("NUMPY".utf8) + [version, 0]
        let n = header.utf8.count
        if version == 1 {
            out += [UInt8(n & 0xFF), UInt8(n >> 8)]
        } else {
            out += [UInt8(n & 0xFF), UInt8(n >> 8 & 0xFF), UInt8(n >> 16 & 0xFF), UInt8(n >> 24)]
        }
        return out + Array(header.utf8) + data
    }

    static func float32LE(_ values: [Float]) -> [UInt8] {
        values.flatMap { v -> [UInt8] in
            let b = v.bitPattern
            return [UInt8(b & 0xFF), UInt8(b >> 8 & 0xFF), UInt8(b >> 16 & 0xFF), UInt8(b >> 24)]
        }
    }

    static func int64LE(_ values: [Int64]) -> [UInt8] {
        values.flatMap { v -> [UInt8] in
            let b = UInt64(bitPattern: v)
            return (0..<8).map { UInt8(b >> (8 * UInt64($0)) & 0xFF) }
        }
    }
}

// MARK: - Assertions

/// Asserts that `body` throws a DatasetError whose one-line description names `file`
/// (a path suffix) and contains `message`.
func assertDatasetError<T>(_ body: @autoclosure () throws -> T, names file: String, contains message: String,
                           file sourceFile: StaticString = #filePath, line: UInt = #line) {
    do {
        _ = try body()
        XCTFail("expected a DatasetError mentioning '\(message)'", file: sourceFile, line: line)
    } catch let error as DatasetError {
        let text = error.description
        XCTAssertFalse(text.contains("\n"), "description must be one line: \(text)", file: sourceFile, line: line)
        XCTAssertTrue(error.subject.hasSuffix(file) || text.contains(file),
                      "'\(text)' does not name '\(file)'", file: sourceFile, line: line)
        XCTAssertTrue(text.hasPrefix(error.subject + ": "), "'\(text)' should start with its subject", file: sourceFile, line: line)
        XCTAssertTrue(text.contains(message), "'\(text)' does not contain '\(message)'", file: sourceFile, line: line)
    } catch {
        XCTFail("expected DatasetError, got \(type(of: error)): \(error)", file: sourceFile, line: line)
    }
}

/// Sum of all bytes, eight at a time (SWAR) so that checksumming 150 MB stays quick in
/// debug builds: each 64-bit word is split into four 16-bit lanes of byte pairs, which can
/// absorb 128 words before a lane could overflow.
func byteSum(_ bytes: [UInt8]) -> Int {
    bytes.withUnsafeBytes { raw -> Int in
        let words = raw.count / 8
        let mask: UInt64 = 0x00FF_00FF_00FF_00FF
        var total = 0
        var w = 0
        while w < words {
            let end = min(words, w + 128)
            var lanes: UInt64 = 0
            while w < end {
                let v = raw.loadUnaligned(fromByteOffset: 8 * w, as: UInt64.self)
                lanes &+= (v & mask) &+ ((v >> 8) & mask)
                w += 1
            }
            total += Int(lanes & 0xFFFF) + Int(lanes >> 16 & 0xFFFF) + Int(lanes >> 32 & 0xFFFF) + Int(lanes >> 48)
        }
        for i in (8 * words)..<raw.count { total += Int(raw[i]) }
        return total
    }
}
