@testable import Allocators
import XCTest

final class BudgetTests: XCTestCase {
    func testParsesTheDocumentedForms() throws {
        let cases: [(String, Budget)] = [
            ("3bits", .averageBits(3)), ("3.5bit", .averageBits(3.5)), ("4 Bits", .averageBits(4)),
            ("1200B", .bytes(1200)), ("120KB", .bytes(120 * 1024)), ("120kB", .bytes(120 * 1024)),
            ("120KiB", .bytes(120 * 1024)), ("0.5MB", .bytes(512 * 1024)), ("2MiB", .bytes(2 * 1024 * 1024)),
            ("1GB", .bytes(1024 * 1024 * 1024)), ("2.1GBOPs", .bops(2.1e9)), ("800MBOPs", .bops(800e6)),
            ("5kbops", .bops(5000)), ("1TBOPS", .bops(1e12)), ("42BOPs", .bops(42)),
            ("1e3B", .bytes(1000)), ("  7.25 KB ", .bytes(7.25 * 1024)), (".5bits", .averageBits(0.5)),
        ]
        for (text, expected) in cases {
            XCTAssertEqual(try Budget(parsing: text), expected, text)
        }
    }

    func testDescriptionIsCanonicalAndRoundTrips() throws {
        XCTAssertEqual(Budget.averageBits(3).description, "3bits")
        XCTAssertEqual(Budget.averageBits(3.5).description, "3.5bits")
        XCTAssertEqual(Budget.bytes(120 * 1024).description, "120KB")
        XCTAssertEqual(Budget.bytes(1200).description, "1200B")
        XCTAssertEqual(try Budget(parsing: "0.5MB").description, "512KB")
        XCTAssertEqual(try Budget(parsing: "1.5MB").description, "1.5MB")
        XCTAssertEqual(Budget.bops(2.1e9).description, "2.1GBOPs")
        XCTAssertEqual(Budget.bops(800e6).description, "800MBOPs")

        var rng = SplitMix64(seed: 30)
        let texts = ["3bits", "3.5bit", "120KB", "0.5MB", "1200B", "2.1GBOPs", "800MBOPs", "1e-3bits", "1e20B"]
        var budgets = try texts.map { try Budget(parsing: $0) }
        for _ in 0..<300 {
            let v = (rng.unit() * 1e4).rounded() / Double([1, 10, 100, 1000][rng.int(0...3)]) + 0.001
            let scale = [1.0, 1e3, 1e6, 1e9, 1024, 1048576][rng.int(0...5)]
            budgets += [.averageBits(v), .bytes(v * scale), .bops(v * scale), .bytes(rng.unit() * 1e7 + 1e-6)]
        }
        for b in budgets {
            XCTAssertEqual(try Budget(parsing: b.description), b, "\(b)")
        }
    }

    func testRejectsBadStrings() {
        for text in ["", "3", "bits", "abc", "-1KB", "0bits", "3 parsecs", "3kb", "3b", "nanB", "infB", "1e400B",
                     "3..5bits", "3bits extra", "KB", "1e309bits", "+"] {
            XCTAssertThrowsError(try Budget(parsing: text), text) { error in
                let message = "\(error)"
                XCTAssertFalse(message.contains("\n"))
                XCTAssertTrue(message.contains("'\(text)'"))
                XCTAssertTrue(message.contains("120KB") && message.contains("GBOPs") && message.contains("bits"), message)
            }
        }
    }

    func testBytesForParameterCount() {
        XCTAssertEqual(Budget.averageBits(4).bytes(parameterCount: 1000), 500)
        XCTAssertEqual(Budget.bytes(77).bytes(parameterCount: 1000), 77)
        XCTAssertNil(Budget.bops(1e9).bytes(parameterCount: 1000))
        XCTAssertEqual(Budget.bops(5).value, 5)
    }
}
