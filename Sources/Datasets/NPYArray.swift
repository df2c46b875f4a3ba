import Foundation

/// One `.npy` file: its parsed header and the raw bytes of its data.
///
/// The format (NumPy's `lib.format`, versions 1.0–3.0) is the magic `\x93NUMPY`, a major and
/// minor version byte, a little-endian header length (2 bytes in v1, 4 in v2/v3), an ASCII
/// (v3: UTF-8) Python dict with `descr`, `fortran_order` and `shape`, then the data.
/// Interpretation of the elements is left to ``NPYReader``; this type only guarantees that
/// the header is well formed and the file holds all the bytes the header promises.
struct NPYArray {
    let path: String
    let dtype: NPYDType
    let shape: [Int]
    let bytes: [UInt8]
    /// Where the element data starts in `bytes`.
    let dataOffset: Int

    var elementCount: Int { shape.reduce(1, *) }
    var shapeText: String { "(" + shape.map(String.init).joined(separator: ", ") + (shape.count == 1 ? ",)" : ")") }

    init(path: String) throws {
        let bytes = try FileBytes.read(path)
        let magic: [UInt8] = [0x93] + Array("NUMPY".utf8)
        guard bytes.count >= 10, Array(bytes[0..<6]) == magic else {
            throw DatasetError(path, "not a .npy file (missing \\x93NUMPY magic)")
        }
        let major = bytes[6], minor = bytes[7]
        let headerStart: Int
        let headerLength: Int
        switch major {
        case 1:
            headerStart = 10
            headerLength = Int(bytes.littleEndianUInt(at: 8, width: 2))
        case 2, 3:
            guard bytes.count >= 12 else { throw DatasetError(path, "truncated .npy header") }
            headerStart = 12
            headerLength = Int(bytes.littleEndianUInt(at: 8, width: 4))
        default:
            throw DatasetError(path, "unsupported .npy version \(major).\(minor) (supported: 1.0, 2.0, 3.0)")
        }
        guard headerLength <= bytes.count - headerStart else {
            throw DatasetError(path, "truncated .npy header (needs \(headerLength) bytes, file has \(bytes.count - headerStart))")
        }
        let headerBytes = bytes[headerStart..<(headerStart + headerLength)]
        guard let headerText = String(bytes: headerBytes, encoding: major == 3 ? .utf8 : .isoLatin1) else {
            throw DatasetError(path, "bad .npy header encoding")
        }

        let header: [String: PythonLiteral]
        do {
            guard case .dict(let dict) = try PythonLiteral.parse(headerText) else {
                throw DatasetError(path, "bad .npy header: not a dict")
            }
            header = dict
        } catch let error as PythonLiteral.SyntaxError {
            throw DatasetError(path, "bad .npy header: \(error.message)")
        }

        guard let descrValue = header["descr"] else { throw DatasetError(path, "bad .npy header: no 'descr'") }
        guard case .string(let descr) = descrValue else {
            throw DatasetError(path, "unsupported dtype: structured arrays are not supported")
        }
        guard case .bool(let fortranOrder)? = header["fortran_order"] else {
            throw DatasetError(path, "bad .npy header: 'fortran_order' missing or not True/False")
        }
        guard case .sequence(let dims)? = header["shape"] else {
            throw DatasetError(path, "bad .npy header: 'shape' missing or not a tuple")
        }
        var shape: [Int] = []
        for dim in dims {
            guard case .int(let n) = dim, n >= 0 else {
                throw DatasetError(path, "bad .npy header: shape entries must be non-negative integers")
            }
            shape.append(n)
        }
        guard !fortranOrder else {
            throw DatasetError(path, "Fortran-order arrays are not supported; save with np.ascontiguousarray")
        }
        guard let dtype = NPYDType(descr: descr) else {
            throw DatasetError(path, "unsupported dtype '\(descr)'")
        }

        var count = 1
        for n in shape {
            let (product, overflow) = count.multipliedReportingOverflow(by: n)
            guard !overflow else { throw DatasetError(path, "shape is too large") }
            count = product
        }
        let (needed, overflow) = count.multipliedReportingOverflow(by: dtype.size)
        let dataOffset = headerStart + headerLength
        guard !overflow, needed <= bytes.count - dataOffset else {
            throw DatasetError(path, "truncated: shape \(shape) of '\(descr)' needs \(overflow ? "too many" : String(needed)) data bytes, file has \(bytes.count - dataOffset)")
        }

        self.path = path
        self.dtype = dtype
        self.shape = shape
        self.bytes = bytes
        self.dataOffset = dataOffset
    }
}

/// A simple NumPy dtype: kind (`u`, `i`, `f`, `b`), byte size and byte order.
struct NPYDType: Equatable {
    enum Kind: Character { case unsigned = "u", signed = "i", float = "f", bool = "b" }
    let kind: Kind
    let size: Int
    let littleEndian: Bool
    let descr: String

    /// Parses strings such as `<f4`, `|u1`, `u1`, `>i8`; nil for anything else.
    init?(descr: String) {
        var text = Substring(descr)
        var little = true
        if let first = text.first, "<>|=".contains(first) {
            little = first != ">"
            text = text.dropFirst()
        }
        guard let k = text.first.flatMap({ Kind(rawValue: $0) }), let size = Int(text.dropFirst()),
              [1, 2, 4, 8].contains(size) else { return nil }
        self.kind = k
        self.size = size
        self.littleEndian = little || size == 1
        self.descr = descr
    }

    var isUInt8: Bool { kind == .unsigned && size == 1 }
    var isFloat32: Bool { kind == .float && size == 4 && littleEndian }
    var isLittleEndianInteger: Bool { (kind == .unsigned || kind == .signed) && littleEndian }
}
