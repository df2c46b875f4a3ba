import Datasets
import Foundation
import XCTest

/// Loads the real datasets when they are present. Missing data skips, unless the
/// environment sets BITBUDGET_REQUIRE_SHARED=1 (CI with the data mounted), where it fails.
final class RealDataTests: XCTestCase {
    /// <package root>/../shared/data/cifar10, from this file's location.
    private static let cifarDirectory: String = {
        let packageRoot = URL(fileURLWithPath: #filePath)
            .deletingLastPathComponent().deletingLastPathComponent().deletingLastPathComponent()
        return packageRoot.deletingLastPathComponent().appendingPathComponent("shared/data/cifar10").path
    }()
    private static let fashionDirectory = "/usr/share/datasets/fashion-mnist"

    private func requireFiles(_ paths: [String]) throws {
        let missing = paths.filter { !FileManager.default.fileExists(atPath: $0) }
        guard !missing.isEmpty else { return }
        let message = "real data missing: \(missing.joined(separator: ", "))"
        if ProcessInfo.processInfo.environment["BITBUDGET_REQUIRE_SHARED"] == "1" {
            XCTFail(message)
        }
        throw XCTSkip(message)
    }

    func testCIFAR10TestSplit() throws {
        try requireFiles([Self.cifarDirectory + "/test_batch.bin"])
        XCTAssertEqual(try DatasetLoader.detectFormat(directory: Self.cifarDirectory), .cifar10)
        let test = try DatasetLoader.load(directory: Self.cifarDirectory, split: .test)
        XCTAssertEqual(test.count, 10_000)
        XCTAssertEqual([test.channels, test.height, test.width], [3, 32, 32])
        XCTAssertEqual(Array(test.labels.prefix(10)), [3, 8, 8, 0, 6, 6, 1, 6, 3, 1])
        XCTAssertEqual(test.classNames?[3], "cat")
        // Checksums computed with numpy from test_batch.bin.
        let images = test.images
        XCTAssertEqual(byteSum(images), 3_733_375_634)
        XCTAssertEqual(byteSum(Array(images[0..<3072])), 332_962)
        XCTAssertEqual([images[0], images[1024], images[2048], images[5 * 32 + 7]], [158, 112, 49, 167])
        var histogram = [Int](repeating: 0, count: 10)
        for label in test.labels { histogram[Int(label)] += 1 }
        XCTAssertEqual(histogram, [Int](repeating: 1000, count: 10))

        let batch = test.batch(0..<2, normalization: .cifar10)
        XCTAssertEqual(batch.shape, [2, 3, 32, 32])
        XCTAssertEqual(batch.data[0], 0.51885015, accuracy: 1e-5)
        XCTAssertEqual(batch.data.reduce(0.0) { $0 + Double($1) }, 1047.491951777134, accuracy: 1e-2)
    }

    func testCIFAR10TrainSplit() throws {
        try requireFiles((1...5).map { Self.cifarDirectory + "/data_batch_\($0).bin" })
        let train = try DatasetLoader.load(directory: Self.cifarDirectory, split: .train)
        XCTAssertEqual(train.count, 50_000)
        XCTAssertEqual(Array(train.labels.prefix(5)), [6, 9, 9, 4, 1])
        XCTAssertEqual(train.labels.last, 1)
        XCTAssertEqual(byteSum(train.images), 18_540_682_003)
    }

    func testFashionMNIST() throws {
        let names = ["train-images-idx3-ubyte.gz", "train-labels-idx1-ubyte.gz",
                     "t10k-images-idx3-ubyte.gz", "t10k-labels-idx1-ubyte.gz"]
        try requireFiles(names.map { Self.fashionDirectory + "/" + $0 })
        XCTAssertEqual(try DatasetLoader.detectFormat(directory: Self.fashionDirectory), .idx)

        let test = try DatasetLoader.load(directory: Self.fashionDirectory, split: .test)
        XCTAssertEqual(test.count, 10_000)
        XCTAssertEqual([test.channels, test.height, test.width], [1, 28, 28])
        XCTAssertEqual(Array(test.labels.prefix(10)), [9, 2, 1, 1, 6, 1, 4, 6, 5, 7])
        XCTAssertEqual(test.classNames?[9], "Ankle boot")
        XCTAssertEqual(byteSum(test.images), 573_469_082)

        let train = try DatasetLoader.load(directory: Self.fashionDirectory, split: .train)
        XCTAssertEqual(train.count, 60_000)
        XCTAssertEqual(Array(train.labels.prefix(10)), [9, 0, 0, 3, 0, 2, 7, 2, 5, 5])
        XCTAssertEqual(byteSum(train.images), 3_431_114_169)
        XCTAssertEqual(byteSum(Array(train.images[0..<784])), 76_247)
    }
}
