import Foundation

/// Whole-file reads and path checks that fail with a ``DatasetError`` naming the path.
///
/// Readers take the file in one `fread` into an array instead of going through `Data`, so
/// the bytes are copied once and the parsers can use plain `[UInt8]` indexing.
enum FileBytes {
    enum Kind { case missing, file, directory }

    static func kind(_ path: String) -> Kind {
        var isDirectory: ObjCBool = false
        guard FileManager.default.fileExists(atPath: path, isDirectory: &isDirectory) else { return .missing }
        return isDirectory.boolValue ? .directory : .file
    }

    /// Throws unless `path` is an existing file (not a directory).
    static func requireFile(_ path: String, what: String = "file") throws {
        switch kind(path) {
        case .file: return
        case .missing: throw DatasetError(path, "\(what) not found")
        case .directory: throw DatasetError(path, "is a directory, expected a \(what)")
        }
    }

    /// Size in bytes of an existing file.
    static func size(_ path: String) throws -> Int {
        try requireFile(path)
        var info = stat()
        guard stat(path, &info) == 0 else { throw DatasetError(path, "cannot stat: \(errnoMessage())") }
        return Int(info.st_size)
    }

    /// The whole file.
    static func read(_ path: String) throws -> [UInt8] {
        let expected = try size(path)
        guard let file = fopen(path, "rb") else { throw DatasetError(path, "cannot open: \(errnoMessage())") }
        defer { fclose(file) }
        if expected == 0 { return [] }
        let bytes = [UInt8](unsafeUninitializedCapacity: expected) { buffer, initialized in
            initialized = fread(buffer.baseAddress, 1, expected, file)
        }
        guard bytes.count == expected else {
            throw DatasetError(path, "read only \(bytes.count) of \(expected) bytes")
        }
        return bytes
    }

    /// Names in a directory, sorted so that detection does not depend on listing order.
    static func contents(ofDirectory path: String) throws -> [String] {
        do {
            return try FileManager.default.contentsOfDirectory(atPath: path).sorted()
        } catch {
            throw DatasetError(path, "cannot list directory")
        }
    }

    static func errnoMessage() -> String {
        String(cString: strerror(errno))
    }

    /// `directory/name` without doubling the slash.
    static func join(_ directory: String, _ name: String) -> String {
        directory.hasSuffix("/") ? directory + name : directory + "/" + name
    }

    /// The parent directory of a file path ("." for a bare name).
    static func parent(_ path: String) -> String {
        let parent = (path as NSString).deletingLastPathComponent
        return parent.isEmpty ? "." : parent
    }

    static func name(_ path: String) -> String {
        (path as NSString).lastPathComponent
    }
}

extension Array where Element == UInt8 {
    /// Big-endian unsigned 32-bit value at `offset` (caller checks bounds).
    func bigEndianUInt32(at offset: Int) -> UInt32 {
        UInt32(self[offset]) << 24 | UInt32(self[offset + 1]) << 16 | UInt32(self[offset + 2]) << 8 | UInt32(self[offset + 3])
    }

    /// Little-endian unsigned integer of `width` bytes at `offset` (caller checks bounds).
    func littleEndianUInt(at offset: Int, width: Int) -> UInt64 {
        var value: UInt64 = 0
        for i in stride(from: width - 1, through: 0, by: -1) {
            value = value << 8 | UInt64(self[offset + i])
        }
        return value
    }
}
