import Foundation
import ONNXProto
import TensorMath

/// Decoding of ONNX `TensorProto` payloads (typed fields, `raw_data`, external files).
extension ONNXImporter {
    /// ONNX TensorProto.DataType codes BitBudget reads.
    enum DataType: Int32 {
        case float = 1, uint8 = 2, int8 = 3, int32 = 6, int64 = 7, bool = 9, float16 = 10, double = 11
    }

    /// Values of a tensor as Double (exact for every integer an index or shape can hold).
    func values(of t: Onnx_TensorProto) throws -> [Double] {
        guard t.dims.allSatisfy({ $0 >= 0 }) else { throw err("tensor '\(t.name)' has negative dims \(t.dims)") }
        var count = 1
        for d in t.dims {
            let (product, overflow) = count.multipliedReportingOverflow(by: Int(d))
            guard !overflow, product <= Int(Int32.max) else { throw err("tensor '\(t.name)' dims \(t.dims) are too large") }
            count = product
        }
        guard let type = DataType(rawValue: t.dataType) else {
            throw err("tensor '\(t.name)' has unsupported data type \(t.dataType) (supported: float, float16, double, int8, uint8, int32, int64, bool)")
        }
        var raw = t.rawData
        if t.dataLocation == .external { raw = try externalData(t) }
        if !raw.isEmpty || t.dataLocation == .external {
            let width: Int
            switch type {
            case .float, .int32: width = 4
            case .int64, .double: width = 8
            case .float16: width = 2
            case .uint8, .int8, .bool: width = 1
            }
            guard raw.count == count * width else {
                throw err("tensor '\(t.name)' raw_data has \(raw.count) bytes, expected \(count * width) for dims \(t.dims)")
            }
            return raw.withUnsafeBytes { (p: UnsafeRawBufferPointer) -> [Double] in
                (0..<count).map { i -> Double in
                    switch type {
                    case .float: return Double(Float(bitPattern: p.loadUnaligned(fromByteOffset: i * 4, as: UInt32.self).littleEndian))
                    case .int32: return Double(Int32(littleEndian: p.loadUnaligned(fromByteOffset: i * 4, as: Int32.self)))
                    case .int64: return Double(Int64(littleEndian: p.loadUnaligned(fromByteOffset: i * 8, as: Int64.self)))
                    case .double: return Double(bitPattern: p.loadUnaligned(fromByteOffset: i * 8, as: UInt64.self).littleEndian)
                    case .float16: return Double(halfToFloat(p.loadUnaligned(fromByteOffset: i * 2, as: UInt16.self).littleEndian))
                    case .uint8, .bool: return Double(p[i])
                    case .int8: return Double(Int8(bitPattern: p[i]))
                    }
                }
            }
        }
        let typed: [Double]
        switch type {
        case .float: typed = t.floatData.map(Double.init)
        case .double: typed = t.doubleData
        case .int64: typed = t.int64Data.map(Double.init)
        case .int32, .uint8, .int8, .bool: typed = t.int32Data.map(Double.init)
        case .float16: typed = t.int32Data.map { Double(halfToFloat(UInt16(truncatingIfNeeded: $0))) }
        }
        guard typed.count == count else {
            throw err("tensor '\(t.name)' holds \(typed.count) values, expected \(count) for dims \(t.dims)")
        }
        return typed
    }

    func tensor(_ t: Onnx_TensorProto) throws -> Tensor {
        Tensor(shape: t.dims.map(Int.init), data: try values(of: t).map(Float.init))
    }

    /// An integral tensor's values as Int (pads, slice bounds, shapes) — one conversion for
    /// initializers and Constant nodes; a value no Int holds saturates to Int.max (what ONNX
    /// writes for "to the end" in slice bounds).
    func integers(of t: Onnx_TensorProto) throws -> [Int] {
        try values(of: t).map { Int(exactly: $0.rounded()) ?? Int.max }
    }

    func isIntegral(_ t: Onnx_TensorProto) -> Bool {
        [DataType.int32, .int64, .int8, .uint8, .bool].contains(DataType(rawValue: t.dataType))
    }

    /// Reads an external-data tensor from the file named in `external_data` (relative to the model).
    private func externalData(_ t: Onnx_TensorProto) throws -> Data {
        var kv: [String: String] = [:]
        for e in t.externalData { kv[e.key] = e.value }
        guard let loc = kv["location"] else { throw err("tensor '\(t.name)' is external but names no location") }
        let path = (URL(fileURLWithPath: file).deletingLastPathComponent().appendingPathComponent(loc)).path
        guard let data = FileManager.default.contents(atPath: path) else {
            throw err("tensor '\(t.name)' external data file \(path) cannot be read")
        }
        let offset = Int(kv["offset"] ?? "0") ?? 0
        let length = Int(kv["length"] ?? "") ?? (data.count - offset)
        guard offset >= 0, length >= 0, offset <= data.count, length <= data.count - offset else {
            throw err("tensor '\(t.name)' external range \(offset)+\(length) exceeds \(path) (\(data.count) bytes)")
        }
        return data.subdata(in: offset..<(offset + length))
    }
}

/// IEEE half → float.
func halfToFloat(_ h: UInt16) -> Float {
    let sign = UInt32(h >> 15) << 31
    let exp = Int((h >> 10) & 0x1f), frac = UInt32(h & 0x3ff)
    if exp == 0 {
        if frac == 0 { return Float(bitPattern: sign) }
        return (sign != 0 ? -1 : 1) * Float(frac) * powf(2, -24)
    }
    if exp == 31 { return Float(bitPattern: sign | 0x7f80_0000 | (frac << 13)) }
    return Float(bitPattern: sign | UInt32(exp - 15 + 127) << 23 | (frac << 13))
}
