import Foundation
import XCTest

/// Locates real data for integration tests: `../shared` beside the package root and the
/// Debian Fashion-MNIST. A missing file skips the test, unless `BITBUDGET_REQUIRE_SHARED=1`
/// (set by `.ci/run`), where it fails — CI always has the data, so nothing is silently skipped.
public enum SharedData {
    public static let packageRoot: URL = URL(fileURLWithPath: #filePath)
        .deletingLastPathComponent().deletingLastPathComponent().deletingLastPathComponent()

    public static var sharedRoot: URL { packageRoot.appendingPathComponent("../shared").standardizedFileURL }

    public struct Missing: Error, CustomStringConvertible { public let description: String }

    /// Path of `relative` under ../shared, or skip/fail.
    public static func path(_ relative: String) throws -> String {
        try require(sharedRoot.appendingPathComponent(relative).path)
    }

    /// The Fashion-MNIST directory from Debian's dataset-fashion-mnist.
    public static func fashionMNIST() throws -> String {
        let dir = "/usr/share/datasets/fashion-mnist"
        _ = try require(dir + "/t10k-images-idx3-ubyte.gz")
        return dir
    }

    /// A committed file under the package root (fixtures, results).
    public static func project(_ relative: String) -> String {
        packageRoot.appendingPathComponent(relative).path
    }

    public static func require(_ path: String) throws -> String {
        if FileManager.default.fileExists(atPath: path) { return path }
        if ProcessInfo.processInfo.environment["BITBUDGET_REQUIRE_SHARED"] == "1" {
            throw Missing(description: "required real-data file missing: \(path) (BITBUDGET_REQUIRE_SHARED=1)")
        }
        throw XCTSkip("real-data file not found, skipping: \(path)")
    }
}
