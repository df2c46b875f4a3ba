import Foundation
#if canImport(FoundationXML)
import FoundationXML
#endif
import TestSupport
import XCTest

/// The `bitbudget` binary end to end on tiny synthetic data: happy paths of eval/quantize/search
/// and the one-line error + non-zero exit of every bad-input path.
final class CLITests: XCTestCase {
    static var binary: URL {
        // Tests run from .build/<config>/BitBudgetPackageTests.xctest; the product sits beside it.
        var dir = Bundle(for: CLITests.self).bundleURL.deletingLastPathComponent()
        if !FileManager.default.fileExists(atPath: dir.appendingPathComponent("bitbudget").path) {
            dir = URL(fileURLWithPath: SharedData.project(".build/debug"))
        }
        return dir.appendingPathComponent("bitbudget")
    }

    let model = SharedData.project("Tests/ModelIRTests/Fixtures/net_torchvision.onnx")
    var tmp: String!

    override func setUpWithError() throws {
        tmp = NSTemporaryDirectory() + "bitbudget-cli-\(getpid())-\(UUID().uuidString)"
        try FileManager.default.createDirectory(atPath: tmp, withIntermediateDirectories: true)
        try writeDataset(tmp + "/data", train: 48, test: 20)
    }

    override func tearDownWithError() throws { try? FileManager.default.removeItem(atPath: tmp) }

    /// uint8 NCHW images 3×8×8 and int64 labels 0–4, as .npy.
    func writeDataset(_ dir: String, train: Int, test: Int) throws {
        try FileManager.default.createDirectory(atPath: dir, withIntermediateDirectories: true)
        var seed: UInt64 = 1
        func next() -> UInt64 { seed = seed &* 6364136223846793005 &+ 1; return seed >> 33 }
        for (split, n) in [("train", train), ("test", test)] {
            try npy("|u1", [n, 3, 8, 8], Data((0..<(n * 192)).map { _ in UInt8(next() % 256) })).write(to: URL(fileURLWithPath: "\(dir)/\(split)_images.npy"))
            var labels = Data()
            for _ in 0..<n { var v = Int64(next() % 5).littleEndian; labels.append(Data(bytes: &v, count: 8)) }
            try npy("<i8", [n], labels).write(to: URL(fileURLWithPath: "\(dir)/\(split)_labels.npy"))
        }
    }

    func npy(_ descr: String, _ shape: [Int], _ body: Data) -> Data {
        var header = "{'descr': '\(descr)', 'fortran_order': False, 'shape': (\(shape.map(String.init).joined(separator: ", "))\(shape.count == 1 ? "," : "")), }"
        while (10 + header.count + 1) % 64 != 0 { header += " " }
        header += "\n"
        var d = Data([0x93]) + Data("NUMPY".utf8) + Data([1, 0])
        var len = UInt16(header.utf8.count).littleEndian
        d.append(Data(bytes: &len, count: 2)); d.append(Data(header.utf8)); d.append(body)
        return d
    }

    @discardableResult
    func run(_ args: [String], environment: [String: String] = [:]) throws -> (status: Int32, out: String, err: String) {
        let p = Process()
        p.executableURL = Self.binary
        p.arguments = args
        if !environment.isEmpty {
            p.environment = ProcessInfo.processInfo.environment.merging(environment) { $1 }
        }
        let o = Pipe(), e = Pipe()
        p.standardOutput = o; p.standardError = e
        try p.run()
        let od = o.fileHandleForReading.readDataToEndOfFile(), ed = e.fileHandleForReading.readDataToEndOfFile()
        p.waitUntilExit()
        return (p.terminationStatus, String(decoding: od, as: UTF8.self), String(decoding: ed, as: UTF8.self))
    }

    func assertFails(_ args: [String], mentions needles: [String], file: StaticString = #filePath, line: UInt = #line) throws {
        let r = try run(args)
        XCTAssertNotEqual(r.status, 0, "expected failure: \(args)", file: file, line: line)
        let msg = r.err.trimmingCharacters(in: .whitespacesAndNewlines)
        XCTAssertFalse(msg.isEmpty, file: file, line: line)
        XCTAssertEqual(msg.split(separator: "\n").count, 1, "expected a one-line error: '\(msg)'", file: file, line: line)
        for n in needles { XCTAssertTrue(msg.contains(n), "'\(msg)' lacks '\(n)'", file: file, line: line) }
        XCTAssertFalse(r.err.contains("Fatal error"), r.err, file: file, line: line)
    }

    /// A typo in BITBUDGET_CONV is reported once on stderr (the run still succeeds with the
    /// automatic choice); a valid value prints nothing.
    func testUnknownConvolutionAlgorithmIsReported() throws {
        let bad = try run(["eval", model, "--data", tmp + "/data"], environment: ["BITBUDGET_CONV": "winogard"])
        XCTAssertEqual(bad.status, 0, bad.err)
        XCTAssertTrue(bad.err.contains("BITBUDGET_CONV=winogard is not one of"), bad.err)
        XCTAssertEqual(bad.err.components(separatedBy: "BITBUDGET_CONV=").count - 1, 1, "warned more than once: \(bad.err)")
        let good = try run(["eval", model, "--data", tmp + "/data"], environment: ["BITBUDGET_CONV": "direct"])
        XCTAssertEqual(good.status, 0, good.err)
        XCTAssertFalse(good.err.contains("BITBUDGET_CONV"), good.err)
    }

    func testEvalQuantizeSearchOnSyntheticData() throws {
        let e = try run(["eval", model, "--data", tmp + "/data"])
        XCTAssertEqual(e.status, 0, e.err)
        XCTAssertTrue(e.out.contains("top-1: "), e.out)
        let q = try run(["quantize", model, "--data", tmp + "/data", "--uniform", "4/8", "--calib", "16", "--csv", tmp + "/q.csv", "--save-plan", tmp + "/plan.json"])
        XCTAssertEqual(q.status, 0, q.err)
        XCTAssertTrue(q.out.contains("corrected") && q.out.contains("weight bytes"), q.out)
        XCTAssertTrue(FileManager.default.fileExists(atPath: tmp + "/q.csv"))
        let p = try run(["quantize", model, "--data", tmp + "/data", "--plan", tmp + "/plan.json", "--calib", "16"])
        XCTAssertEqual(p.status, 0, p.err)
        let s = try run(["search", model, "--data", tmp + "/data", "--budget", "4bits", "--calib", "16", "--out", tmp + "/search", "--first-last", "same"])
        XCTAssertEqual(s.status, 0, s.err)
        for f in ["plan.json", "sensitivity.csv", "layers.csv", "frontier.csv", "frontier.svg", "bits.svg", "sensitivity.svg"] {
            XCTAssertTrue(FileManager.default.fileExists(atPath: tmp + "/search/" + f), f)
        }
        for f in ["frontier.svg", "bits.svg", "sensitivity.svg"] {
            let parser = XMLParser(contentsOf: URL(fileURLWithPath: tmp + "/search/" + f))!
            XCTAssertTrue(parser.parse(), "\(f): \(String(describing: parser.parserError))")
        }
        let frontier = try String(contentsOfFile: tmp + "/search/frontier.csv", encoding: .utf8).split(separator: "\n").map(String.init)
        XCTAssertEqual(frontier.first, "kind,label,average_bits,packed_bytes,bops,predicted_score,top1_percent,top1_correct,images,val_top1_percent,chosen")
        XCTAssertEqual(frontier.filter { $0.hasPrefix("chosen,") }.count, 1)
        XCTAssertEqual(frontier.filter { $0.hasPrefix("uniform,") }.count, 6, "one baseline per candidate bit-width")
        // Measured frontier points (--frontier-points 8 by default) carry evaluation-split top-1.
        XCTAssertGreaterThanOrEqual(frontier.filter { $0.hasPrefix("frontier,") && $0.split(separator: ",", omittingEmptySubsequences: false)[8] == "20" }.count, 2)
        XCTAssertTrue(s.out.contains("refine: "), s.out)
        XCTAssertTrue(s.out.contains("validation: 32 training images"), s.out)
        // The refine table: the chosen candidate has the lowest measured KL(float ‖ plan).
        let lines = s.out.split(separator: "\n").map(String.init)
        let head = try XCTUnwrap(lines.firstIndex { $0.hasPrefix("candidate ") && $0.contains("val KL") }, s.out)
        let table = lines[(head + 2)...].prefix { !$0.hasPrefix("layer ") }
        let kl = table.map { row -> (Double, Bool) in
            let cells = row.split(separator: " ").map(String.init)
            let chosen = cells.last == "chosen"
            return (Double(cells[cells.count - (chosen ? 2 : 1)]) ?? .nan, chosen)
        }
        XCTAssertGreaterThanOrEqual(kl.count, 2, s.out)
        XCTAssertEqual(kl.filter(\.1).count, 1, s.out)
        XCTAssertEqual(kl.first(where: \.1)?.0, kl.map(\.0).min(), s.out)
        XCTAssertTrue(s.out.split(separator: "\n").last?.hasPrefix("top-1: ") ?? false, s.out)
        // This model has ops the integer engine lacks: a one-line note, recorded in engine.json, no failure.
        XCTAssertTrue(s.out.contains("engine: skipped"), s.out)
        XCTAssertTrue((try? String(contentsOfFile: tmp + "/search/engine.json", encoding: .utf8))?.contains("\"skipped\"") ?? false)
        // Same seed → same files.
        let s2 = try run(["search", model, "--data", tmp + "/data", "--budget", "4bits", "--calib", "16", "--out", tmp + "/search2", "--first-last", "same"])
        XCTAssertEqual(s2.status, 0)
        for f in ["plan.json", "sensitivity.csv", "layers.csv"] {
            XCTAssertEqual(FileManager.default.contents(atPath: tmp + "/search/" + f), FileManager.default.contents(atPath: tmp + "/search2/" + f), f)
        }
    }

    func testMaxDropChoosesAMeasuredFrontierPlan() throws {
        let s = try run(["search", model, "--data", tmp + "/data", "--max-drop", "100", "--calib", "16", "--val", "24",
                         "--frontier-points", "0", "--out", tmp + "/md", "--first-last", "same"])
        XCTAssertEqual(s.status, 0, s.err)
        XCTAssertTrue(s.out.contains("max-drop: chose frontier plan 0"), "any plan is within 100 points: the cheapest wins\n\(s.out)")
        XCTAssertTrue(s.out.split(separator: "\n").last?.hasPrefix("top-1: ") ?? false, s.out)
        XCTAssertTrue(s.out.contains("at budget max-drop=100"), s.out)
        let frontier = try String(contentsOfFile: tmp + "/md/frontier.csv", encoding: .utf8)
        XCTAssertTrue(frontier.contains("chosen,\"max-drop 100.0: smallest measured frontier plan\"") || frontier.contains("chosen,max-drop"), frontier)
        // With a budget too: the search stays within it and still prints the budget.
        let b = try run(["search", model, "--data", tmp + "/data", "--budget", "4bits", "--max-drop", "100", "--calib", "16",
                         "--frontier-points", "0", "--refine", "0", "--out", tmp + "/mdb", "--first-last", "same"])
        XCTAssertEqual(b.status, 0, b.err)
        XCTAssertTrue(b.out.split(separator: "\n").last?.contains("at budget 4bits") ?? false, b.out)
        // Refine off and no frontier points: no validation measurements at all.
        let plain = try run(["search", model, "--data", tmp + "/data", "--budget", "4bits", "--calib", "16", "--refine", "0",
                             "--frontier-points", "0", "--out", tmp + "/plain", "--first-last", "same"])
        XCTAssertEqual(plain.status, 0, plain.err)
        XCTAssertFalse(plain.out.contains("refine:"), plain.out)
    }

    func testRunOnTheIntegerEngine() throws {
        let net = SharedData.project("Tests/Fixtures/net_engine_tiny.onnx")
        let r = try run(["run", net, "--data", tmp + "/data", "--uniform", "4/8", "--calib", "16", "--parity", "--profile"])
        XCTAssertEqual(r.status, 0, r.err)
        XCTAssertTrue(r.out.contains("parity: 0 of 20 images"), r.out)
        XCTAssertTrue(r.out.split(separator: "\n").last?.hasPrefix("top-1: ") ?? false, r.out)
        // Engine bytes = predicted bytes.
        let bytesLine = r.out.split(separator: "\n").first { $0.hasPrefix("weight bytes: ") } ?? ""
        let numbers = bytesLine.split(separator: " ").compactMap { Int($0) }
        XCTAssertGreaterThanOrEqual(numbers.count, 2, String(bytesLine))
        if numbers.count >= 2 { XCTAssertEqual(numbers[0], numbers[1], String(bytesLine)) }
        // The plan `quantize --save-plan` writes runs too.
        let q = try run(["quantize", net, "--data", tmp + "/data", "--uniform", "3/8", "--calib", "16", "--save-plan", tmp + "/p.json"])
        XCTAssertEqual(q.status, 0, q.err)
        let p = try run(["run", net, "--data", tmp + "/data", "--plan", tmp + "/p.json", "--calib", "16"])
        XCTAssertEqual(p.status, 0, p.err)
        // Bad plans and quantizers the engine cannot run: one-line errors.
        try Data("{\"layers\": [".utf8).write(to: URL(fileURLWithPath: tmp + "/broken.json"))
        try assertFails(["run", net, "--data", tmp + "/data", "--plan", tmp + "/broken.json", "--calib", "8"], mentions: ["broken.json"])
        try assertFails(["run", net, "--data", tmp + "/data", "--uniform", "4/8", "--quantizer", "pow2", "--calib", "8"], mentions: ["pow2", "integer engine"])
        try assertFails(["run", model, "--data", tmp + "/data", "--uniform", "4/8", "--calib", "8"], mentions: ["integer engine"])
    }

    func testSearchRevalidatesTheChosenPlanOnTheEngine() throws {
        let net = SharedData.project("Tests/Fixtures/net_engine_tiny.onnx")
        let common = ["search", net, "--data", tmp + "/data", "--calib", "16", "--val", "0", "--frontier-points", "0", "--bits", "4,8"]
        let s = try run(common + ["--budget", "5bits,8bits", "--out", tmp + "/s"])
        XCTAssertEqual(s.status, 0, s.err)
        let lines = s.out.split(separator: "\n").map(String.init)
        let top1 = try NSRegularExpression(pattern: #"^top-1: ([0-9.]+)% \(\d+/\d+\) at budget (\S+)"#)
        for budget in ["5bits", "8bits"] {
            // The engine line comes right before the budget's top-1 line, which stays last.
            guard let k = lines.firstIndex(where: { top1.firstMatch(in: $0, range: NSRange($0.startIndex..., in: $0)) != nil && $0.contains("at budget \(budget) ") }) else {
                XCTFail("no top-1 line for \(budget): \(s.out)"); continue
            }
            XCTAssertTrue(lines[k - 1].hasPrefix("engine: ") && lines[k - 1].contains("/20)") && lines[k - 1].contains("images/s"), lines[k - 1])
            // Engine bytes = predicted bytes.
            let words = lines[k - 1].replacingOccurrences(of: ")", with: " ").split(separator: " ")
            let packed = words.firstIndex(of: "packed").flatMap { Int(words[$0 - 1]) }
            let predicted = words.firstIndex(of: "(predicted").flatMap { Int(words[$0 + 1]) }
            XCTAssertNotNil(packed, lines[k - 1]); XCTAssertEqual(packed, predicted, lines[k - 1])
            let json = try JSONSerialization.jsonObject(with: Data(contentsOf: URL(fileURLWithPath: tmp + "/s/\(budget)/engine.json"))) as? [String: Any]
            XCTAssertEqual(json?["images"] as? Int, 20)
            XCTAssertEqual(json?["packed_bytes"] as? Int, packed)
            XCTAssertNotNil(json?["top1_percent"] as? Double)
            XCTAssertNotNil(json?["images_per_second"] as? Double)
        }
        XCTAssertTrue(top1.firstMatch(in: lines.last!, range: NSRange(lines.last!.startIndex..., in: lines.last!)) != nil, s.out)
        // --no-engine: no engine line, no engine.json.
        let n = try run(common + ["--budget", "5bits", "--out", tmp + "/n", "--no-engine"])
        XCTAssertEqual(n.status, 0, n.err)
        XCTAssertFalse(n.out.contains("engine: "), n.out)
        XCTAssertFalse(FileManager.default.fileExists(atPath: tmp + "/n/engine.json"))
    }

    func testBenchOnTheIntegerEngine() throws {
        let net = SharedData.project("Tests/Fixtures/net_engine_tiny.onnx")
        let b = try run(["bench", net, "--data", tmp + "/data", "--calib", "16", "--uniform", "4/8", "--batch", "1", "30", "--seconds", "0.05", "--per-op"])
        XCTAssertEqual(b.status, 0, b.err)
        for size in [1, 30] { XCTAssertTrue(b.out.contains("bitbudget engine batch=\(size) "), b.out) }
        XCTAssertTrue(b.out.contains("gemm→logits"), b.out)
        XCTAssertFalse(b.out.contains("fp32"), b.out)
        try assertFails(["bench", net, "--uniform", "4/8", "--plan", tmp + "/p.json"], mentions: ["--uniform", "--plan"])
    }

    /// `train --swa-epochs`: the exported model is the weight average, its BN statistics are
    /// re-estimated over the whole training set by default, and the file re-imports.
    func testTrainWithWeightAveraging() throws {
        let out = tmp + "/swa.onnx"
        let r = try run(["train", "--arch", "resnet-small", "--data", tmp + "/data", "--epochs", "2", "--swa-epochs", "1",
                         "--batch", "16", "--lr", "0.05", "--val", "16", "--seed", "3", "--threads", "1", "--out", out])
        XCTAssertEqual(r.status, 0, r.err)
        XCTAssertTrue(r.out.contains("swa-epochs 1"), r.out)
        XCTAssertTrue(r.out.contains("swa: exported weights are the average of the last 2 steps' weights\n"), r.out)
        XCTAssertTrue(r.out.contains("precise-bn: BatchNorm statistics re-estimated on 32 training images"), r.out)
        XCTAssertTrue(r.out.contains("val acc"), r.out)
        let e = try run(["eval", out, "--data", tmp + "/data"])
        XCTAssertEqual(e.status, 0, e.err)
        // Explicit --precise-bn 0 keeps the last step's statistics and says so.
        let k = try run(["train", "--arch", "resnet-small", "--data", tmp + "/data", "--epochs", "1", "--swa-epochs", "1",
                         "--batch", "16", "--precise-bn", "0", "--threads", "1", "--no-test", "--out", tmp + "/swa0.onnx"])
        XCTAssertEqual(k.status, 0, k.err)
        XCTAssertTrue(k.out.contains("--precise-bn 0: BatchNorm statistics are the last step's"), k.out)
        XCTAssertFalse(k.out.contains("precise-bn: BatchNorm statistics re-estimated"), k.out)
        try assertFails(["train", "--epochs", "2", "--swa-epochs", "3", "--data", tmp + "/data"], mentions: ["--swa-epochs", "--epochs"])
    }

    func testBadInputsFailWithOneLineErrors() throws {
        try assertFails(["eval", "/nonexistent.onnx", "--data", tmp + "/data"], mentions: ["/nonexistent.onnx", "no such file"])
        try assertFails(["eval", SharedData.project("Tests/ModelIRTests/Fixtures/corrupt.onnx"), "--data", tmp + "/data"], mentions: ["corrupt.onnx"])
        try assertFails(["eval", SharedData.project("Tests/ModelIRTests/Fixtures/unknown_op.onnx"), "--data", tmp + "/data"], mentions: ["FancyOp", "fancy_1"])
        // Truncated dataset file.
        let bad = tmp + "/bad"
        try FileManager.default.createDirectory(atPath: bad, withIntermediateDirectories: true)
        try Data(repeating: 7, count: 3073 * 2 + 100).write(to: URL(fileURLWithPath: bad + "/test_batch.bin"))
        try assertFails(["eval", model, "--data", bad], mentions: ["test_batch.bin"])
        try assertFails(["eval", model, "--data", tmp + "/nothing-here"], mentions: ["nothing-here"])
        // Malformed plan, unknown layer, bad quantizer.
        try Data("{\"layers\": [".utf8).write(to: URL(fileURLWithPath: tmp + "/broken.json"))
        try assertFails(["quantize", model, "--data", tmp + "/data", "--plan", tmp + "/broken.json", "--calib", "8"], mentions: ["broken.json", "malformed"])
        try Data(#"{"layers": [{"name": "nope", "weight": {"quantizer": "uniform", "bits": 4}}]}"#.utf8).write(to: URL(fileURLWithPath: tmp + "/unknown.json"))
        try assertFails(["quantize", model, "--data", tmp + "/data", "--plan", tmp + "/unknown.json", "--calib", "8"], mentions: ["unknown.json", "unknown layer 'nope'"])
        try assertFails(["quantize", model, "--data", tmp + "/data", "--uniform", "4", "--quantizer", "fancy"], mentions: ["fancy"])
        try assertFails(["quantize", model, "--data", tmp + "/data", "--uniform", "9"], mentions: ["--uniform"])
        // Impossible budget names the minimum; bad budget text lists the accepted forms.
        try assertFails(["search", model, "--data", tmp + "/data", "--budget", "1bits", "--calib", "8", "--out", tmp + "/x"], mentions: ["below the smallest feasible plan"])
        try assertFails(["search", model, "--data", tmp + "/data", "--budget", "lots", "--calib", "8", "--out", tmp + "/x"], mentions: ["lots"])
        try assertFails(["search", model, "--data", tmp + "/data", "--budget", "3bits", "--allocator", "magic", "--out", tmp + "/x"], mentions: ["magic"])
        try assertFails(["search", model, "--data", tmp + "/data", "--budget", "3bits", "--bits", "2,9", "--out", tmp + "/x"], mentions: ["--bits", "9"])
        try assertFails(["search", model, "--data", tmp + "/data", "--budget", "3bits", "--metric", "vibes", "--out", tmp + "/x"], mentions: ["--metric", "vibes"])
        try assertFails(["search", model, "--data", tmp + "/data", "--budget", "3bits", "--act-bits", "1", "--out", tmp + "/x"], mentions: ["--act-bits"])
        try assertFails(["search", model, "--data", tmp + "/data", "--out", tmp + "/x"], mentions: ["--budget", "--max-drop"])
        try assertFails(["search", model, "--data", tmp + "/data", "--max-drop", "1", "--val", "0", "--out", tmp + "/x"], mentions: ["--val"])
        try assertFails(["search", model, "--data", tmp + "/data", "--max-drop=-1", "--out", tmp + "/x"], mentions: ["--max-drop"])
        try assertFails(["quantize", model, "--data", tmp + "/data", "--uniform", "4", "--first-last", "12"], mentions: ["--first-last", "12"])
        try assertFails(["quantize", model, "--data", tmp + "/data", "--uniform", "4", "--clip", "guess"], mentions: ["guess"])
        try assertFails(["train", "--bn", "sometimes", "--data", tmp + "/data"], mentions: ["--bn", "sometimes"])
        try assertFails(["train", "--precise-bn=-1", "--data", tmp + "/data"], mentions: ["--precise-bn"])
        try assertFails(["train", "--epochs", "0", "--precise-bn", "64", "--data", tmp + "/data"], mentions: ["--epochs", "--init"])
        try assertFails(["eval", model, "--no-such-flag"], mentions: ["--no-such-flag"])
        // A label past the model's last output is refused before any scoring reads past a row.
        let wide = tmp + "/wide-labels"
        try writeDataset(wide, train: 8, test: 8)
        var sevens = Data()
        for _ in 0..<8 { var v = Int64(7).littleEndian; sevens.append(Data(bytes: &v, count: 8)) }
        try npy("<i8", [8], sevens).write(to: URL(fileURLWithPath: wide + "/test_labels.npy"))
        try assertFails(["eval", model, "--data", wide], mentions: [model, "5 outputs", "label 7"])
        // A failure found while running the model names the model file too.
        try assertFails(["run", model, "--data", tmp + "/data", "--uniform", "8/8", "--calib", "4"],
                        mentions: ["Error: " + model + ": ", "softmax_10", "not supported by the integer engine"])
    }
}
