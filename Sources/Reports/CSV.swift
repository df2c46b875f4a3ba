/// RFC 4180 CSV: a field is quoted when it holds a comma, a double quote, CR or LF, or starts or
/// ends with a space; quotes inside are doubled. Rows end with "\n".
public struct CSVTable: Sendable, Equatable {
    public let header: [String]
    public private(set) var rows: [[String]] = []

    public init(header: [String]) { self.header = header }

    /// Appends a row; it must have exactly one field per header column.
    public mutating func append(_ row: [String]) {
        precondition(row.count == header.count, "CSV row has \(row.count) fields, header has \(header.count)")
        rows.append(row)
    }

    public var text: String {
        ([header] + rows).map(CSVTable.line).joined()
    }

    /// One record, "\n"-terminated.
    public static func line(_ fields: [String]) -> String {
        fields.map(field).joined(separator: ",") + "\n"
    }

    public static func field(_ s: String) -> String {
        let needsQuotes = s.contains { $0 == "," || $0 == "\"" || $0 == "\n" || $0 == "\r" }
            || s.hasPrefix(" ") || s.hasSuffix(" ")
        guard needsQuotes else { return s }
        return "\"" + s.replacingOccurrences(of: "\"", with: "\"\"") + "\""
    }

    /// A number as the shortest text that reads back to the same Double (`nan`/`inf` spelled out).
    public static func number(_ v: Double) -> String {
        if v.isNaN { return "nan" }
        if v.isInfinite { return v > 0 ? "inf" : "-inf" }
        if v == v.rounded(), abs(v) < 1e15 { return String(Int64(v)) }
        return String(v)
    }

    /// Parses CSV text back into records (for tests and round-trips): quoted fields, doubled quotes,
    /// embedded commas and newlines.
    public static func parse(_ text: String) -> [[String]] {
        var records: [[String]] = [], record: [String] = [], field = ""
        var inQuotes = false, sawAny = false
        var it = Array(text).makeIterator()
        var pending: Character? = nil
        func next() -> Character? { if let p = pending { pending = nil; return p }; return it.next() }
        while let c = next() {
            sawAny = true
            if inQuotes {
                if c == "\"" {
                    if let n = next() { if n == "\"" { field.append("\"") } else { inQuotes = false; pending = n } } else { inQuotes = false }
                } else { field.append(c) }
            } else if c == "\"" { inQuotes = true
            } else if c == "," { record.append(field); field = ""
            } else if c == "\n" || c == "\r\n" { record.append(field); records.append(record); record = []; field = ""; sawAny = false
            } else { field.append(c) }
        }
        if sawAny || !field.isEmpty || !record.isEmpty { record.append(field); records.append(record) }
        return records
    }
}
