import Foundation

/// A minimal SVG 1.1 builder: shapes and text with escaped content, one element per line.
/// Every shape can carry a `class` so tests (and style sheets) can find it.
public struct SVGDocument {
    public let width: Double
    public let height: Double
    public private(set) var elements: [String] = []

    public init(width: Double, height: Double) {
        self.width = width; self.height = height
    }

    public mutating func rect(x: Double, y: Double, width: Double, height: Double, fill: String,
                              stroke: String? = nil, cls: String? = nil, title: String? = nil) {
        add("rect", ["x": n(x), "y": n(y), "width": n(max(0, width)), "height": n(max(0, height)), "fill": fill, "stroke": stroke], cls, title)
    }

    public mutating func line(x1: Double, y1: Double, x2: Double, y2: Double, stroke: String = "#000",
                              width: Double = 1, dash: String? = nil, cls: String? = nil) {
        add("line", ["x1": n(x1), "y1": n(y1), "x2": n(x2), "y2": n(y2), "stroke": stroke, "stroke-width": n(width),
                     "stroke-dasharray": dash], cls, nil)
    }

    public mutating func circle(cx: Double, cy: Double, r: Double, fill: String, stroke: String? = nil,
                                cls: String? = nil, title: String? = nil) {
        add("circle", ["cx": n(cx), "cy": n(cy), "r": n(r), "fill": fill, "stroke": stroke], cls, title)
    }

    public mutating func polyline(_ points: [(Double, Double)], stroke: String, width: Double = 1.5, cls: String? = nil) {
        guard points.count > 1 else { return }
        add("polyline", ["points": points.map { "\(n($0.0)),\(n($0.1))" }.joined(separator: " "), "fill": "none",
                         "stroke": stroke, "stroke-width": n(width)], cls, nil)
    }

    public mutating func polygon(_ points: [(Double, Double)], fill: String, stroke: String? = nil, cls: String? = nil, title: String? = nil) {
        add("polygon", ["points": points.map { "\(n($0.0)),\(n($0.1))" }.joined(separator: " "), "fill": fill, "stroke": stroke], cls, title)
    }

    public enum Anchor: String { case start, middle, end }

    public mutating func text(_ s: String, x: Double, y: Double, size: Double = 11, anchor: Anchor = .start,
                              rotate: Double? = nil, bold: Bool = false, cls: String? = nil) {
        var attrs: [String: String?] = ["x": n(x), "y": n(y), "font-size": n(size), "text-anchor": anchor.rawValue,
                                        "font-weight": bold ? "bold" : nil]
        if let rotate { attrs["transform"] = "rotate(\(n(rotate)) \(n(x)) \(n(y)))" }
        elements.append("<text\(Self.attributes(attrs, cls))>\(Self.escape(s))</text>")
    }

    /// The document as UTF-8 text, with an XML declaration and a white background.
    public var text: String {
        var s = "<?xml version=\"1.0\" encoding=\"UTF-8\"?>\n"
        s += "<svg xmlns=\"http://www.w3.org/2000/svg\" version=\"1.1\" width=\"\(n(width))\" height=\"\(n(height))\" viewBox=\"0 0 \(n(width)) \(n(height))\" font-family=\"sans-serif\">\n"
        s += "<rect x=\"0\" y=\"0\" width=\"\(n(width))\" height=\"\(n(height))\" fill=\"#ffffff\"/>\n"
        for e in elements { s += e + "\n" }
        return s + "</svg>\n"
    }

    public var data: Data { Data(text.utf8) }

    /// XML-escapes text and attribute values.
    public static func escape(_ s: String) -> String {
        var out = ""
        for c in s.unicodeScalars {
            switch c {
            case "&": out += "&amp;"
            case "<": out += "&lt;"
            case ">": out += "&gt;"
            case "\"": out += "&quot;"
            case "'": out += "&apos;"
            default:
                // Control characters other than tab/newline are not allowed in XML 1.0.
                if c.value < 0x20 && c != "\t" && c != "\n" { out += " " } else { out.unicodeScalars.append(c) }
            }
        }
        return out
    }

    private mutating func add(_ tag: String, _ attrs: [String: String?], _ cls: String?, _ title: String?) {
        let a = Self.attributes(attrs, cls)
        if let title { elements.append("<\(tag)\(a)><title>\(Self.escape(title))</title></\(tag)>") } else { elements.append("<\(tag)\(a)/>") }
    }

    private static func attributes(_ attrs: [String: String?], _ cls: String?) -> String {
        var s = ""
        if let cls { s += " class=\"\(escape(cls))\"" }
        for key in attrs.keys.sorted() { if let v = attrs[key] ?? nil { s += " \(key)=\"\(escape(v))\"" } }
        return s
    }

    private func n(_ v: Double) -> String { Self.number(v) }

    /// Coordinates with at most two decimals, no trailing zeros.
    static func number(_ v: Double) -> String {
        guard v.isFinite else { return "0" }
        var s = String(format: "%.2f", v)
        while s.contains("."), s.hasSuffix("0") { s.removeLast() }
        if s.hasSuffix(".") { s.removeLast() }
        return s == "-0" ? "0" : s
    }
}

/// "Nice" axis ticks (1, 2, 2.5, 5 × 10^k steps) covering [lo, hi].
public enum AxisTicks {
    public static func ticks(_ lo: Double, _ hi: Double, target: Int = 6) -> [Double] {
        guard lo.isFinite, hi.isFinite else { return [] }
        if hi <= lo { return [lo] }
        let raw = (hi - lo) / Double(max(1, target))
        let mag = pow(10, floor(log10(raw)))
        let step = [1, 2, 2.5, 5, 10].map { $0 * mag }.first { $0 >= raw } ?? 10 * mag
        var out: [Double] = []
        var t = (lo / step).rounded(.up) * step
        while t <= hi + step * 1e-9 { out.append(abs(t) < step * 1e-9 ? 0 : t); t += step }
        return out
    }

    /// Tick label with just enough decimals for the tick step.
    public static func label(_ v: Double, step: Double) -> String {
        let decimals = (0...6).first { d in
            let shown = Double(String(format: "%.\(d)f", step)) ?? 0
            return abs(shown - step) <= abs(step) * 1e-9
        } ?? 6
        return String(format: "%.\(decimals)f", v)
    }
}
