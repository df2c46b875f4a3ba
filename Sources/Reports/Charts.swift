import Foundation

/// Marker shapes for scatter series.
public enum Marker: String, Sendable { case circle, square, diamond, triangle }

/// One scatter series: points drawn with `marker`, optionally joined by a line (in x order).
public struct ScatterSeries: Sendable {
    public var name: String
    public var points: [(x: Double, y: Double, label: String)]
    public var colour: String
    public var marker: Marker
    public var connect: Bool

    public init(name: String, points: [(x: Double, y: Double, label: String)], colour: String, marker: Marker, connect: Bool = false) {
        self.name = name; self.points = points; self.colour = colour; self.marker = marker; self.connect = connect
    }
}

/// Shared plot-area geometry: margins, linear scales, axes with ticks and labels.
struct PlotFrame {
    let left = 70.0, right = 20.0, top = 40.0
    let width: Double, height: Double
    let x: (lo: Double, hi: Double), y: (lo: Double, hi: Double)
    var bottom = 60.0
    var plotW: Double { width - left - right }
    var plotH: Double { height - top - bottom }
    func px(_ v: Double) -> Double { left + (x.hi == x.lo ? 0.5 : (v - x.lo) / (x.hi - x.lo)) * plotW }
    func py(_ v: Double) -> Double { top + plotH - (y.hi == y.lo ? 0.5 : (v - y.lo) / (y.hi - y.lo)) * plotH }

    /// Range padded by 5% each side (or ±0.5 around a single value), then widened to nice ticks.
    static func range(_ values: [Double]) -> (Double, Double) {
        let finite = values.filter(\.isFinite)
        guard let lo = finite.min(), let hi = finite.max() else { return (0, 1) }
        if hi == lo { return (lo - 0.5, hi + 0.5) }
        let pad = (hi - lo) * 0.05
        return (lo - pad, hi + pad)
    }

    func drawAxes(_ svg: inout SVGDocument, title: String, xLabel: String, yLabel: String, xTicks: Bool = true) {
        svg.text(title, x: width / 2, y: 22, size: 14, anchor: .middle, bold: true, cls: "title")
        svg.line(x1: left, y1: top + plotH, x2: left + plotW, y2: top + plotH, cls: "axis")
        svg.line(x1: left, y1: top, x2: left, y2: top + plotH, cls: "axis")
        if xTicks {
            let xt = AxisTicks.ticks(x.lo, x.hi)
            let xs = xt.count > 1 ? xt[1] - xt[0] : 1
            for t in xt {
                svg.line(x1: px(t), y1: top + plotH, x2: px(t), y2: top + plotH + 5, cls: "tick")
                svg.text(AxisTicks.label(t, step: xs), x: px(t), y: top + plotH + 18, size: 10, anchor: .middle, cls: "tick-label")
            }
        }
        let yt = AxisTicks.ticks(y.lo, y.hi)
        let ys = yt.count > 1 ? yt[1] - yt[0] : 1
        for t in yt {
            svg.line(x1: left - 5, y1: py(t), x2: left, y2: py(t), cls: "tick")
            svg.line(x1: left, y1: py(t), x2: left + plotW, y2: py(t), stroke: "#e0e0e0", width: 0.5, cls: "grid")
            svg.text(AxisTicks.label(t, step: ys), x: left - 8, y: py(t) + 3.5, size: 10, anchor: .end, cls: "tick-label")
        }
        svg.text(xLabel, x: left + plotW / 2, y: height - 12, size: 12, anchor: .middle, cls: "axis-label")
        svg.text(yLabel, x: 16, y: top + plotH / 2, size: 12, anchor: .middle, rotate: -90, cls: "axis-label")
    }
}

func drawMarker(_ svg: inout SVGDocument, _ m: Marker, x: Double, y: Double, size: Double, colour: String, cls: String, title: String?) {
    switch m {
    case .circle: svg.circle(cx: x, cy: y, r: size, fill: colour, stroke: "#000", cls: cls, title: title)
    case .square: svg.rect(x: x - size, y: y - size, width: 2 * size, height: 2 * size, fill: colour, stroke: "#000", cls: cls, title: title)
    case .diamond:
        let s = size * 1.4
        svg.polygon([(x, y - s), (x + s, y), (x, y + s), (x - s, y)], fill: colour, stroke: "#000", cls: cls, title: title)
    case .triangle:
        let s = size * 1.3
        svg.polygon([(x, y - s), (x + s, y + s * 0.8), (x - s, y + s * 0.8)], fill: colour, stroke: "#000", cls: cls, title: title)
    }
}

/// Accuracy-vs-size style scatter plot: every point one marker (class `point`), a legend entry
/// (class `legend`) per series, axis labels and ticks.
public struct ScatterPlot {
    public var title: String, xLabel: String, yLabel: String
    public var series: [ScatterSeries]
    public var width = 680.0, height = 440.0

    public init(title: String, xLabel: String, yLabel: String, series: [ScatterSeries]) {
        self.title = title; self.xLabel = xLabel; self.yLabel = yLabel; self.series = series
    }

    public var svg: SVGDocument {
        let all = series.flatMap(\.points)
        let frame = PlotFrame(width: width, height: height, x: PlotFrame.range(all.map(\.x)), y: PlotFrame.range(all.map(\.y)))
        var svg = SVGDocument(width: width, height: height)
        frame.drawAxes(&svg, title: title, xLabel: xLabel, yLabel: yLabel)
        for s in series {
            let pts = s.points.filter { $0.x.isFinite && $0.y.isFinite }
            if s.connect { svg.polyline(pts.sorted { $0.x < $1.x }.map { (frame.px($0.x), frame.py($0.y)) }, stroke: s.colour, cls: "series-line") }
            for p in pts {
                drawMarker(&svg, s.marker, x: frame.px(p.x), y: frame.py(p.y), size: 4.5, colour: s.colour, cls: "point",
                           title: p.label.isEmpty ? nil : p.label)
            }
        }
        // Legend, bottom-right inside the plot area.
        let lx = frame.left + frame.plotW - 190, ly0 = frame.top + frame.plotH - 10 - Double(series.count) * 18
        svg.rect(x: lx - 8, y: ly0 - 12, width: 196, height: Double(series.count) * 18 + 8, fill: "#ffffff", stroke: "#999999", cls: "legend-box")
        for (i, s) in series.enumerated() {
            let y = ly0 + Double(i) * 18
            drawMarker(&svg, s.marker, x: lx + 6, y: y - 4, size: 4.5, colour: s.colour, cls: "legend", title: nil)
            svg.text(s.name, x: lx + 18, y: y, size: 11, cls: "legend-label")
        }
        return svg
    }
}

/// Vertical bar chart with one labelled bar (class `bar`) per entry; labels are rotated.
public struct BarChart {
    public var title: String, xLabel: String, yLabel: String
    public var bars: [(label: String, value: Double, colour: String)]
    public var yMax: Double?
    public var width: Double? = nil, height = 420.0

    public init(title: String, xLabel: String, yLabel: String, bars: [(label: String, value: Double, colour: String)], yMax: Double? = nil) {
        self.title = title; self.xLabel = xLabel; self.yLabel = yLabel; self.bars = bars; self.yMax = yMax
    }

    public var svg: SVGDocument {
        let titleWidth: Double = Double(title.count) * 8 + 40
        let barsWidth: Double = 90 + Double(bars.count) * 26
        let w: Double = width ?? max(titleWidth, barsWidth)
        let largest: Double = bars.map(\.value).filter(\.isFinite).max() ?? 1
        let top: Double = max(yMax ?? 0, largest)
        // Room below the axis for the rotated labels (≈ 5.5 px per character at 9 px, sin 55°).
        let longest: Int = bars.map { $0.label.count }.max() ?? 0
        let labelDrop: Double = 14 + 0.82 * 5.5 * Double(longest)
        let frame = PlotFrame(width: w, height: height + labelDrop, x: (0, Double(max(1, bars.count))), y: (0, top > 0 ? top : 1),
                              bottom: 30 + labelDrop)
        var svg = SVGDocument(width: frame.width, height: frame.height)
        frame.drawAxes(&svg, title: title, xLabel: xLabel, yLabel: yLabel, xTicks: false)
        let slot = frame.plotW / Double(max(1, bars.count))
        for (i, b) in bars.enumerated() {
            let v = b.value.isFinite ? b.value : 0
            let x0 = frame.left + Double(i) * slot + slot * 0.15
            svg.rect(x: x0, y: frame.py(v), width: slot * 0.7, height: frame.py(0) - frame.py(v), fill: b.colour, stroke: "#333333",
                     cls: "bar", title: "\(b.label): \(CSVTable.number(b.value))")
            svg.text(b.label, x: x0 + slot * 0.35, y: frame.py(0) + 10, size: 9, anchor: SVGDocument.Anchor.end, rotate: -55, cls: "bar-label")
        }
        return svg
    }
}

/// Layers × columns heat map (class `cell` per value) with a colour-scale legend (class
/// `legend-swatch`) labelled with the value range. `logScale` colours by log10 of the value
/// (values ≤ 0 take the lowest colour); non-finite values are grey.
public struct Heatmap {
    public var title: String, rowLabels: [String], columnLabels: [String]
    public var values: [[Double]]
    public var valueLabel: String, columnAxisLabel: String
    public var logScale: Bool

    public init(title: String, rowLabels: [String], columnLabels: [String], values: [[Double]], valueLabel: String,
                columnAxisLabel: String, logScale: Bool = true) {
        self.title = title; self.rowLabels = rowLabels; self.columnLabels = columnLabels; self.values = values
        self.valueLabel = valueLabel; self.columnAxisLabel = columnAxisLabel; self.logScale = logScale
    }

    public static let swatches = 10

    public var svg: SVGDocument {
        let cellW = 56.0, cellH = 20.0
        let labelW = min(220, 20 + 6.5 * Double(rowLabels.map(\.count).max() ?? 4))
        let left = labelW + 10, top = 50.0
        let gridW = cellW * Double(columnLabels.count), gridH = cellH * Double(rowLabels.count)
        let width = left + gridW + 150, height = top + gridH + 60
        var svg = SVGDocument(width: width, height: height)
        svg.text(title, x: width / 2, y: 22, size: 14, anchor: .middle, bold: true, cls: "title")

        let finite = values.flatMap { $0 }.filter(\.isFinite)
        let positive = finite.filter { $0 > 0 }
        let hiRaw = finite.max() ?? 1
        let loRaw = finite.min() ?? 0
        let floorValue = max(positive.min() ?? 1e-6, (positive.max() ?? 1) * 1e-5)
        func t(_ v: Double) -> Double { logScale ? log10(max(v, floorValue)) : v }
        let lo = logScale ? t(floorValue) : loRaw, hi = logScale ? t(max(hiRaw, floorValue)) : hiRaw
        func unit(_ v: Double) -> Double { hi > lo ? min(1, max(0, (t(v) - lo) / (hi - lo))) : 0.5 }

        for (r, name) in rowLabels.enumerated() {
            let y = top + Double(r) * cellH
            svg.text(name, x: left - 6, y: y + cellH * 0.7, size: 10, anchor: .end, cls: "row-label")
            for c in columnLabels.indices {
                let v = r < values.count && c < values[r].count ? values[r][c] : .nan
                svg.rect(x: left + Double(c) * cellW, y: y, width: cellW, height: cellH,
                         fill: v.isFinite ? Self.colour(unit(v)) : "#bbbbbb", stroke: "#ffffff", cls: "cell",
                         title: "\(name) @ \(columnLabels[c]): \(CSVTable.number(v))")
            }
        }
        for (c, name) in columnLabels.enumerated() {
            svg.text(name, x: left + (Double(c) + 0.5) * cellW, y: top - 6, size: 11, anchor: .middle, cls: "column-label")
        }
        svg.text(columnAxisLabel, x: left + gridW / 2, y: top + gridH + 20, size: 12, anchor: .middle, cls: "axis-label")

        // Legend: a vertical colour bar, high values on top.
        let lx = left + gridW + 30, barH = min(200, max(100, gridH)), sw = barH / Double(Self.swatches)
        svg.text(valueLabel + (logScale ? " (log)" : ""), x: lx, y: top - 6, size: 11, cls: "legend-title")
        for i in 0..<Self.swatches {
            let u = 1 - (Double(i) + 0.5) / Double(Self.swatches)
            svg.rect(x: lx, y: top + Double(i) * sw, width: 18, height: sw, fill: Self.colour(u), cls: "legend-swatch")
        }
        let hiText = CSVTable.number(Double(String(format: "%.3g", hiRaw)) ?? hiRaw)
        let loText = logScale ? "≤ " + String(format: "%.3g", floorValue) : String(format: "%.3g", loRaw)
        svg.text(hiText, x: lx + 24, y: top + 9, size: 10, cls: "legend-label")
        svg.text(loText, x: lx + 24, y: top + barH, size: 10, cls: "legend-label")
        return svg
    }

    /// A viridis-like ramp from dark blue (0) through teal and green to yellow (1).
    public static func colour(_ u: Double) -> String {
        let stops: [(Double, Double, Double)] = [(68, 1, 84), (59, 82, 139), (33, 145, 140), (94, 201, 98), (253, 231, 37)]
        let x = min(1, max(0, u.isFinite ? u : 0)) * Double(stops.count - 1)
        let i = min(stops.count - 2, Int(x)), f = x - Double(i)
        let a = stops[i], b = stops[i + 1]
        func mix(_ p: Double, _ q: Double) -> Int { Int((p + (q - p) * f).rounded()) }
        return String(format: "#%02x%02x%02x", mix(a.0, b.0), mix(a.1, b.1), mix(a.2, b.2))
    }
}

/// A categorical colour per bit-width (ternary/binary and float included), for bit-width bars.
public func bitWidthColour(_ bits: Double) -> String {
    switch bits {
    case ..<1.5: return "#7f3b08"
    case ..<2.5: return "#d7301f"
    case ..<3.5: return "#fc8d59"
    case ..<4.5: return "#fdcc8a"
    case ..<5.5: return "#91bfdb"
    case ..<6.5: return "#4575b4"
    case ..<8.5: return "#313695"
    default: return "#999999"
    }
}
