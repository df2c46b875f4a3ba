import Foundation
#if canImport(FoundationXML)
import FoundationXML
#endif
@testable import Reports
import XCTest

/// Counts elements (optionally by class) while checking that the document is well-formed XML.
final class ElementCounter: NSObject, XMLParserDelegate {
    var byName: [String: Int] = [:]
    var byClass: [String: Int] = [:]
    var texts: [String] = []
    private var current = ""

    func parser(_ parser: XMLParser, didStartElement name: String, namespaceURI: String?, qualifiedName: String?, attributes: [String: String] = [:]) {
        byName[name, default: 0] += 1
        for c in (attributes["class"] ?? "").split(separator: " ") { byClass[String(c), default: 0] += 1 }
        current = ""
    }
    func parser(_ parser: XMLParser, foundCharacters string: String) { current += string }
    func parser(_ parser: XMLParser, didEndElement name: String, namespaceURI: String?, qualifiedName: String?) {
        if name == "text" { texts.append(current) }
        current = ""
    }

    static func parse(_ svg: SVGDocument, file: StaticString = #filePath, line: UInt = #line) -> ElementCounter {
        let c = ElementCounter()
        let p = XMLParser(data: svg.data)
        p.delegate = c
        XCTAssertTrue(p.parse(), "invalid XML: \(p.parserError.map { "\($0)" } ?? "?")", file: file, line: line)
        XCTAssertEqual(c.byName["svg"], 1, file: file, line: line)
        return c
    }
}

final class ReportsTests: XCTestCase {
    func testScatterPlotIsValidXMLWithOneMarkerPerPointAndALegend() {
        let plot = ScatterPlot(title: "ResNet-20 <dp> & \"friends\"", xLabel: "average weight bits", yLabel: "top-1 (%)", series: [
            ScatterSeries(name: "dp frontier", points: [(2.5, 86.7, "a"), (3, 90.05, "b"), (4, 90.9, "c"), (5, 91.5, "d")], colour: "#1f77b4", marker: .circle, connect: true),
            ScatterSeries(name: "uniform", points: [(2, 60, "u2"), (3, 89, "u3"), (4, 91.4, "u4")], colour: "#ff7f0e", marker: .square),
            ScatterSeries(name: "chosen", points: [(4, 91.4, "chosen")], colour: "#d62728", marker: .diamond),
        ])
        let c = ElementCounter.parse(plot.svg)
        XCTAssertEqual(c.byClass["point"], 8)
        XCTAssertEqual(c.byClass["legend"], 3)
        XCTAssertEqual(c.byClass["series-line"], 1)
        XCTAssertEqual(c.byClass["axis-label"], 2)
        XCTAssertGreaterThanOrEqual(c.byClass["tick-label"] ?? 0, 6)
        XCTAssertTrue(c.texts.contains("ResNet-20 <dp> & \"friends\""), "title escaped and read back")
        XCTAssertTrue(c.texts.contains("average weight bits") && c.texts.contains("top-1 (%)"))
        XCTAssertTrue(c.texts.contains("dp frontier") && c.texts.contains("uniform") && c.texts.contains("chosen"))
    }

    func testDegenerateScatterInputsStillRender() {
        let empty = ScatterPlot(title: "empty", xLabel: "x", yLabel: "y", series: [ScatterSeries(name: "none", points: [], colour: "#000", marker: .triangle)])
        XCTAssertEqual(ElementCounter.parse(empty.svg).byClass["point"], nil)
        let one = ScatterPlot(title: "one", xLabel: "x", yLabel: "y", series: [ScatterSeries(name: "s", points: [(3, 90, ""), (.nan, 1, "")], colour: "#000", marker: .circle)])
        let c = ElementCounter.parse(one.svg)
        XCTAssertEqual(c.byClass["point"], 1, "non-finite points are skipped")
        XCTAssertFalse(one.svg.text.contains("nan"))
    }

    func testBarChartHasOneBarPerLayer() {
        let bars = (0..<20).map { ("layer\($0).conv", Double([2, 3, 4, 8][$0 % 4]), bitWidthColour(Double([2, 3, 4, 8][$0 % 4]))) }
        let c = ElementCounter.parse(BarChart(title: "bits", xLabel: "layer", yLabel: "weight bits", bars: bars, yMax: 8).svg)
        XCTAssertEqual(c.byClass["bar"], 20)
        XCTAssertEqual(c.byClass["bar-label"], 20)
        XCTAssertTrue(c.texts.contains("layer7.conv"))
    }

    func testHeatmapHasRowsTimesColumnsCellsAndAColourLegend() {
        let values: [[Double]] = [[0.5, 0.1, 0.01, 0.001], [2, 0.2, -0.01, .nan], [1e-9, 0, 0, 0]]
        let h = Heatmap(title: "sensitivity", rowLabels: ["conv1", "layer1.0.conv1", "fc"], columnLabels: ["2-bit", "3-bit", "4-bit", "8-bit"],
                        values: values, valueLabel: "loss increase", columnAxisLabel: "weight bit-width")
        let c = ElementCounter.parse(h.svg)
        XCTAssertEqual(c.byClass["cell"], 12)
        XCTAssertEqual(c.byClass["legend-swatch"], Heatmap.swatches)
        XCTAssertEqual(c.byClass["row-label"], 3)
        XCTAssertEqual(c.byClass["column-label"], 4)
        XCTAssertTrue(c.texts.contains("loss increase (log)"))
        let linear = Heatmap(title: "t", rowLabels: ["a"], columnLabels: ["x"], values: [[1]], valueLabel: "v", columnAxisLabel: "c", logScale: false)
        XCTAssertEqual(ElementCounter.parse(linear.svg).byClass["cell"], 1)
        XCTAssertEqual(Heatmap.colour(0), "#440154")
        XCTAssertEqual(Heatmap.colour(1), "#fde725")
    }

    func testEscapingAndTicks() {
        XCTAssertEqual(SVGDocument.escape("a<b>&\"c'"), "a&lt;b&gt;&amp;&quot;c&apos;")
        XCTAssertEqual(AxisTicks.ticks(0, 10), [0, 2, 4, 6, 8, 10])
        XCTAssertEqual(AxisTicks.ticks(86.2, 91.8), [87, 88, 89, 90, 91])
        let fine = AxisTicks.ticks(2, 3)
        XCTAssertEqual(fine.count, 6)
        for (a, b) in zip(fine, [2, 2.2, 2.4, 2.6, 2.8, 3]) { XCTAssertEqual(a, b, accuracy: 1e-9) }
        XCTAssertEqual(AxisTicks.label(2.5, step: 0.5), "2.5")
        XCTAssertEqual(AxisTicks.label(2.25, step: 0.25), "2.25")
        XCTAssertEqual(AxisTicks.label(4, step: 1), "4")
    }

    func testCSVQuotingRoundTrips() {
        XCTAssertEqual(CSVTable.field("plain"), "plain")
        XCTAssertEqual(CSVTable.field("a,b"), "\"a,b\"")
        XCTAssertEqual(CSVTable.field("say \"hi\""), "\"say \"\"hi\"\"\"")
        XCTAssertEqual(CSVTable.field("two\nlines"), "\"two\nlines\"")
        XCTAssertEqual(CSVTable.field(" padded"), "\" padded\"")
        XCTAssertEqual(CSVTable.field(""), "")
        var t = CSVTable(header: ["kind", "label", "value"])
        t.append(["frontier", "dp plan, refined", "1.5"])
        t.append(["uniform", "\"4-bit\"", ""])
        t.append(["chosen", "multi\nline", "-0.25"])
        XCTAssertEqual(t.text.split(separator: "\n", omittingEmptySubsequences: false).first, "kind,label,value")
        XCTAssertEqual(CSVTable.parse(t.text), [t.header] + t.rows)
        XCTAssertEqual(CSVTable.number(3), "3")
        XCTAssertEqual(CSVTable.number(0.1), "0.1")
        XCTAssertEqual(CSVTable.number(.infinity), "inf")
    }

    func testReportFileWritesAtomically() throws {
        let dir = NSTemporaryDirectory() + "reports-\(UUID().uuidString)"
        try FileManager.default.createDirectory(atPath: dir, withIntermediateDirectories: true)
        defer { try? FileManager.default.removeItem(atPath: dir) }
        try ReportFile.write("old", to: dir + "/a.csv")
        try ReportFile.write("new", to: dir + "/a.csv")
        XCTAssertEqual(try String(contentsOfFile: dir + "/a.csv", encoding: .utf8), "new")
        XCTAssertEqual(try FileManager.default.contentsOfDirectory(atPath: dir), ["a.csv"], "no temporary file left")
        XCTAssertThrowsError(try ReportFile.write("x", to: dir + "/missing/a.csv")) { XCTAssertTrue("\($0)".contains("missing/a.csv")) }
    }
}
