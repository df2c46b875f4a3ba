/// A budget as the user writes it on the command line.
///
/// Accepted forms (a number, optional spaces, a unit; numbers may use a decimal
/// point and an exponent, and must be finite and > 0):
/// - average weight bits: `3bits`, `3.5bit` (unit `bit`/`bits`, any case);
/// - bytes, **binary prefixes** (1 KB = 1024 B): `1200B`, `120KB`, `0.5MB`,
///   `1GB`; `kB`, `KiB`, `MiB`, `GiB` are accepted as synonyms. The byte units
///   are case-sensitive so that a lowercase `b` is never read as a byte;
/// - bit operations, **decimal prefixes** (1 GBOPs = 10⁹ BOPs, as in the
///   literature): `2.1GBOPs`, `800MBOPs`, `5KBOPs`, `1TBOPs` (any case).
///
/// `description` prints a canonical form that parses back to the same value:
/// the largest unit giving at most three decimals (e.g. `120KB`, `2.1GBOPs`),
/// else the base unit.
public enum Budget: Hashable, Sendable, CustomStringConvertible {
    case averageBits(Double)
    case bytes(Double)
    case bops(Double)

    /// One line listing the accepted forms, used in parse errors and help text.
    public static let acceptedForms =
        "average bits (3bits, 3.5bit), bytes with 1KB = 1024B (1200B, 120KB, 0.5MB, 1GB), or bit operations with 1GBOPs = 1e9 (800MBOPs, 2.1GBOPs)"

    /// The number in the budget's base unit (bits, bytes, or BOPs).
    public var value: Double {
        switch self {
        case let .averageBits(v), let .bytes(v), let .bops(v): return v
        }
    }

    /// The budget in bytes for a model with `parameterCount` weights: bytes as
    /// given, average bits × parameters / 8; nil for BOPs.
    public func bytes(parameterCount: Int) -> Double? {
        switch self {
        case let .averageBits(b): return b * Double(parameterCount) / 8
        case let .bytes(v): return v
        case .bops: return nil
        }
    }

    private static let byteUnits: [(String, Double)] = [
        ("B", 1), ("KB", 1024), ("kB", 1024), ("KiB", 1024),
        ("MB", 1024 * 1024), ("MiB", 1024 * 1024),
        ("GB", 1024 * 1024 * 1024), ("GiB", 1024 * 1024 * 1024),
    ]
    private static let bopsUnits: [(String, Double)] = [
        ("bops", 1), ("kbops", 1e3), ("mbops", 1e6), ("gbops", 1e9), ("tbops", 1e12),
    ]

    /// Parses one of the accepted forms; anything else throws `BudgetParseError`.
    public init(parsing text: String) throws {
        let trimmed = text.trimmingSpaces
        let chars = Array(trimmed)
        // Scan [+-]? digits [. digits] [(e|E) [+-]? digits]
        var i = 0
        if i < chars.count, chars[i] == "+" || chars[i] == "-" { i += 1 }
        var digits = 0
        while i < chars.count, chars[i].isASCII, chars[i].isNumber { i += 1; digits += 1 }
        if i < chars.count, chars[i] == "." {
            i += 1
            while i < chars.count, chars[i].isASCII, chars[i].isNumber { i += 1; digits += 1 }
        }
        if digits > 0, i < chars.count, chars[i] == "e" || chars[i] == "E" {
            var j = i + 1
            if j < chars.count, chars[j] == "+" || chars[j] == "-" { j += 1 }
            var expDigits = 0
            while j < chars.count, chars[j].isASCII, chars[j].isNumber { j += 1; expDigits += 1 }
            if expDigits > 0 { i = j }
        }
        let numberText = String(chars[0..<i])
        let unit = String(chars[i...]).trimmingSpaces
        guard digits > 0, let number = Double(numberText) else { throw BudgetParseError(input: text) }
        guard number.isFinite, number > 0 else { throw BudgetParseError(input: text) }

        if ["bit", "bits"].contains(unit.lowercased()) {
            self = .averageBits(number)
        } else if let (_, scale) = Self.byteUnits.first(where: { $0.0 == unit }) {
            self = .bytes(number * scale)
        } else if let (_, scale) = Self.bopsUnits.first(where: { $0.0 == unit.lowercased() }) {
            self = .bops(number * scale)
        } else {
            throw BudgetParseError(input: text)
        }
        guard value.isFinite else { throw BudgetParseError(input: text) }
    }

    public var description: String {
        switch self {
        case let .averageBits(v):
            return "\(formatNumber(v))bits"
        case let .bytes(v):
            return Self.render(v, units: [("GB", 1024 * 1024 * 1024), ("MB", 1024 * 1024), ("KB", 1024)], base: "B")
        case let .bops(v):
            return Self.render(v, units: [("TBOPs", 1e12), ("GBOPs", 1e9), ("MBOPs", 1e6), ("KBOPs", 1e3)], base: "BOPs")
        }
    }

    /// Largest unit whose scaled value has ≤ 3 decimals and converts back to
    /// exactly `v`; else the base unit.
    private static func render(_ v: Double, units: [(String, Double)], base: String) -> String {
        for (name, scale) in units where v >= scale {
            let scaled = v / scale
            let text = formatNumber(scaled)
            if let back = Double(text), back * scale == v, (scaled * 1000).rounded() == scaled * 1000 {
                return text + name
            }
        }
        return formatNumber(v) + base
    }
}

/// A budget string that matches none of `Budget.acceptedForms`.
public struct BudgetParseError: Error, Hashable, Sendable, CustomStringConvertible {
    public let input: String

    public var description: String {
        "cannot read budget '\(input)': expected a positive number with a unit — \(Budget.acceptedForms)"
    }
}

private extension String {
    var trimmingSpaces: String {
        var s = Substring(self)
        while let f = s.first, f.isWhitespace { s.removeFirst() }
        while let l = s.last, l.isWhitespace { s.removeLast() }
        return String(s)
    }
}
