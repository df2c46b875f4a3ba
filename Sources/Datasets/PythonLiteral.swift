/// The subset of Python literal syntax that `.npy` headers use.
///
/// A `.npy` header is the `repr` of a dict such as
/// `{'descr': '<f4', 'fortran_order': False, 'shape': (10, 28, 28), }`. Parsing it as a
/// small grammar (strings, ints, booleans, None, tuples, lists, dicts) rather than with
/// string matching copes with any key order, spacing, trailing commas and Python 2's `10L`.
indirect enum PythonLiteral: Equatable {
    case string(String)
    case int(Int)
    case bool(Bool)
    case none
    case sequence([PythonLiteral])
    case dict([String: PythonLiteral])

    struct SyntaxError: Error {
        let message: String
    }

    /// Parses one literal that must span the whole text (trailing whitespace allowed).
    static func parse(_ text: String) throws -> PythonLiteral {
        var parser = Parser(bytes: Array(text.utf8))
        let value = try parser.value(depth: 0)
        parser.skipSpace()
        guard parser.index == parser.bytes.count else {
            throw SyntaxError(message: "unexpected text after the header dict at offset \(parser.index)")
        }
        return value
    }

    private struct Parser {
        let bytes: [UInt8]
        var index = 0

        mutating func skipSpace() {
            while index < bytes.count, [0x20, 0x09, 0x0A, 0x0D].contains(bytes[index]) { index += 1 }
        }

        func fail(_ message: String) -> SyntaxError {
            SyntaxError(message: "\(message) at offset \(index)")
        }

        mutating func value(depth: Int) throws -> PythonLiteral {
            guard depth < 32 else { throw fail("nesting too deep") }
            skipSpace()
            guard index < bytes.count else { throw fail("unexpected end of header") }
            switch bytes[index] {
            case UInt8(ascii: "'"), UInt8(ascii: "\""):
                return .string(try string())
            case UInt8(ascii: "("):
                return .sequence(try items(close: UInt8(ascii: ")"), depth: depth))
            case UInt8(ascii: "["):
                return .sequence(try items(close: UInt8(ascii: "]"), depth: depth))
            case UInt8(ascii: "{"):
                return try dict(depth: depth)
            case UInt8(ascii: "-"), UInt8(ascii: "+"), UInt8(ascii: "0")...UInt8(ascii: "9"):
                return .int(try integer())
            default:
                for (word, literal) in [("True", PythonLiteral.bool(true)), ("False", .bool(false)), ("None", .none)]
                    where matches(word) {
                    index += word.utf8.count
                    return literal
                }
                throw fail("unexpected character '\(Character(Unicode.Scalar(bytes[index])))'")
            }
        }

        func matches(_ word: String) -> Bool {
            let w = Array(word.utf8)
            return index + w.count <= bytes.count && Array(bytes[index..<(index + w.count)]) == w
        }

        mutating func string() throws -> String {
            let quote = bytes[index]
            index += 1
            var out: [UInt8] = []
            while index < bytes.count {
                let b = bytes[index]
                if b == quote {
                    index += 1
                    return String(decoding: out, as: UTF8.self)
                }
                if b == UInt8(ascii: "\\"), index + 1 < bytes.count {
                    index += 1
                }
                out.append(bytes[index])
                index += 1
            }
            throw fail("unterminated string")
        }

        mutating func integer() throws -> Int {
            var negative = false
            if bytes[index] == UInt8(ascii: "-") || bytes[index] == UInt8(ascii: "+") {
                negative = bytes[index] == UInt8(ascii: "-")
                index += 1
            }
            var value = 0
            var digits = 0
            while index < bytes.count, (UInt8(ascii: "0")...UInt8(ascii: "9")).contains(bytes[index]) {
                let (m, o1) = value.multipliedReportingOverflow(by: 10)
                let (a, o2) = m.addingReportingOverflow(Int(bytes[index] - UInt8(ascii: "0")))
                guard !o1, !o2 else { throw fail("integer too large") }
                value = a
                digits += 1
                index += 1
            }
            guard digits > 0 else { throw fail("expected digits") }
            if index < bytes.count, bytes[index] == UInt8(ascii: "L") { index += 1 }  // Python 2 long
            return negative ? -value : value
        }

        mutating func items(close: UInt8, depth: Int) throws -> [PythonLiteral] {
            index += 1
            var result: [PythonLiteral] = []
            while true {
                skipSpace()
                guard index < bytes.count else { throw fail("unexpected end of header") }
                if bytes[index] == close { index += 1; return result }
                result.append(try value(depth: depth + 1))
                skipSpace()
                guard index < bytes.count else { throw fail("unexpected end of header") }
                if bytes[index] == UInt8(ascii: ",") { index += 1; continue }
                guard bytes[index] == close else { throw fail("expected ',' or closing bracket") }
            }
        }

        mutating func dict(depth: Int) throws -> PythonLiteral {
            index += 1
            var result: [String: PythonLiteral] = [:]
            while true {
                skipSpace()
                guard index < bytes.count else { throw fail("unexpected end of header") }
                if bytes[index] == UInt8(ascii: "}") { index += 1; return .dict(result) }
                guard bytes[index] == UInt8(ascii: "'") || bytes[index] == UInt8(ascii: "\"") else {
                    throw fail("expected a string key")
                }
                let key = try string()
                skipSpace()
                guard index < bytes.count, bytes[index] == UInt8(ascii: ":") else { throw fail("expected ':'") }
                index += 1
                result[key] = try value(depth: depth + 1)
                skipSpace()
                guard index < bytes.count else { throw fail("unexpected end of header") }
                if bytes[index] == UInt8(ascii: ",") { index += 1; continue }
                guard bytes[index] == UInt8(ascii: "}") else { throw fail("expected ',' or '}'") }
            }
        }
    }
}
