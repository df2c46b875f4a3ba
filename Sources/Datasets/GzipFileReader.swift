import CZlib
import Foundation

/// Sequential reads from a file that may or may not be gzip'd, through zlib's `gzread`.
///
/// IDX files are usually distributed gzip'd. zlib's gz* layer inflates gzip streams and
/// passes other files through unchanged, so one reader serves `t10k-images-idx3-ubyte` and
/// `t10k-images-idx3-ubyte.gz` alike, and exact-size reads let the IDX reader stop after
/// the header or after `limit` images without inflating the rest. Truncated and corrupt
/// streams become ``DatasetError``s.
final class GzipFileReader {
    let path: String
    private let file: gzFile
    /// Bytes delivered so far (uncompressed).
    private(set) var offset = 0

    init(path: String) throws {
        try FileBytes.requireFile(path)
        guard let file = gzopen(path, "rb") else {
            throw DatasetError(path, "cannot open: \(FileBytes.errnoMessage())")
        }
        self.path = path
        self.file = file
        // Large internal buffer: fewer read() calls for 50 MB payloads. Must precede reads.
        gzbuffer(file, 1 << 18)
    }

    deinit {
        gzclose_r(file)
    }

    /// Whether the file is read through inflate (false: passed through as-is).
    var isCompressed: Bool { gzdirect(file) == 0 }

    /// Exactly `count` bytes, or a ``DatasetError`` saying the file ended early or is corrupt.
    /// `what` names the part being read for the message ("IDX header", "image data").
    func read(_ count: Int, what: String) throws -> [UInt8] {
        precondition(count >= 0)
        var result = [UInt8]()
        result.reserveCapacity(min(count, 1 << 28))
        var chunk = [UInt8](repeating: 0, count: Swift.min(Swift.max(count, 1), 1 << 22))
        while result.count < count {
            let want = min(chunk.count, count - result.count)
            let got = chunk.withUnsafeMutableBytes { gzread(file, $0.baseAddress, UInt32(want)) }
            if got < 0 { throw streamError(fallback: "read error in \(what)") }
            if got == 0 { break }
            chunk.withUnsafeBufferPointer { result.append(contentsOf: UnsafeBufferPointer(rebasing: $0[0..<Int(got)])) }
        }
        offset += result.count
        if result.count < count {
            if isTruncatedStream {
                throw DatasetError(path, "truncated gzip stream (\(what) ends after \(result.count) of \(count) bytes)")
            }
            throw DatasetError(path, "file ends early: \(what) needs \(count) bytes, only \(result.count) left")
        }
        return result
    }

    /// zlib reports an input that stops mid-stream as Z_BUF_ERROR.
    private var isTruncatedStream: Bool {
        var code: Int32 = Z_OK
        _ = gzerror(file, &code)
        return code == Z_BUF_ERROR
    }

    private func streamError(fallback: String) -> DatasetError {
        var code: Int32 = Z_OK
        let message = gzerror(file, &code).map { String(cString: $0) } ?? ""
        switch code {
        case Z_BUF_ERROR: return DatasetError(path, "truncated gzip stream")
        case Z_DATA_ERROR: return DatasetError(path, "corrupt gzip stream (\(message))")
        case Z_ERRNO: return DatasetError(path, "read error: \(FileBytes.errnoMessage())")
        case Z_MEM_ERROR: return DatasetError(path, "out of memory while inflating")
        default: return DatasetError(path, message.isEmpty ? fallback : "\(fallback): \(message)")
        }
    }
}
