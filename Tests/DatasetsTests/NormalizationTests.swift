import Datasets
import TensorMath
import XCTest

final class NormalizationTests: XCTestCase {
    func testParsesCommaSeparatedValues() throws {
        let n = try Normalization(mean: "0.5, 0.25,0.125", std: "0.5,0.5,0.5")
        XCTAssertEqual(n.mean, [0.5, 0.25, 0.125])
        XCTAssertEqual(n.std, [0.5, 0.5, 0.5])
    }

    func testSingleValueBroadcastsToAllChannels() throws {
        let n = try Normalization(mean: "0.5", std: "0.25").broadcast(to: 3)
        XCTAssertEqual(n.mean, [0.5, 0.5, 0.5])
        XCTAssertEqual(n.std, [0.25, 0.25, 0.25])
        let mixed = try Normalization(mean: [0.1, 0.2, 0.3], std: [2]).broadcast(to: 3)
        XCTAssertEqual(mixed.std, [2, 2, 2])
    }

    func testPresets() throws {
        XCTAssertEqual(Normalization.cifar10.mean, [0.4914, 0.4822, 0.4465])
        XCTAssertEqual(Normalization.cifar10.std, [0.2471, 0.2435, 0.2616])
        XCTAssertEqual(Normalization.identity(channels: 3), try Normalization(mean: [0, 0, 0], std: [1, 1, 1]))
    }

    func testParseErrorsNameTheOption() {
        assertDatasetError(try Normalization(mean: "0.5,abc", std: "1"), names: "mean '0.5,abc'", contains: "entry 2 'abc' is not a finite number")
        assertDatasetError(try Normalization(mean: "", std: "1"), names: "mean ''", contains: "got nothing")
        assertDatasetError(try Normalization(mean: "0.5,,0.5", std: "1"), names: "mean", contains: "entry 2")
        assertDatasetError(try Normalization(mean: "0.5", std: "nan"), names: "std 'nan'", contains: "not a finite number")
    }

    func testValidationErrors() {
        assertDatasetError(try Normalization(mean: "0.5", std: "0.2,0,0.3"), names: "normalization", contains: "std value 2 is 0.0")
        assertDatasetError(try Normalization(mean: "0.5", std: "-1"), names: "normalization", contains: "must be finite and > 0")
        assertDatasetError(try Normalization(mean: "0.1,0.2", std: "1,1,1"), names: "normalization", contains: "mean has 2 values but std has 3")
        assertDatasetError(try Normalization.cifar10.broadcast(to: 1), names: "normalization", contains: "mean has 3 values but the images have 1 channel")
    }

    func testBatchMathForBytes() throws {
        // 2 images, 2 channels, 1×2 pixels.
        let data = ImageDataset(images: [0, 255, 51, 102, 10, 20, 30, 40], labels: [1, 0], channels: 2, height: 1, width: 2)
        let norm = try Normalization(mean: [0.5, 0.2], std: [0.5, 0.1])
        let t = data.batch(0..<2, normalization: norm)
        XCTAssertEqual(t.shape, [2, 2, 1, 2])
        let pixels: [Float] = [0, 255, 51, 102, 10, 20, 30, 40]
        for (i, p) in pixels.enumerated() {
            let c = (i / 2) % 2
            let expected = (p / 255 - norm.mean[c]) / norm.std[c]
            XCTAssertEqual(t.data[i], expected, accuracy: 1e-5, "value \(i)")
        }
        let second = data.batch(1..<2, normalization: .identity(channels: 2))
        XCTAssertEqual(second.shape, [1, 2, 1, 2])
        for (x, p) in zip(second.data, [10, 20, 30, 40]) { XCTAssertEqual(x, Float(p) / 255, accuracy: 1e-6) }
        XCTAssertEqual(data.batch(0..<0, normalization: norm).shape, [0, 2, 1, 2])
    }

    func testBatchMathForFloatStorage() throws {
        let data = ImageDataset(pixels: .float([127.5, 255, -25.5, 0]), labels: [0], channels: 1, height: 2, width: 2)
        let t = data.batch(0..<1, normalization: try Normalization(mean: [0.5], std: [0.5]))
        XCTAssertEqual(t.data[0], 0, accuracy: 1e-6)
        XCTAssertEqual(t.data[1], 1, accuracy: 1e-6)
        XCTAssertEqual(t.data[2], -1.2, accuracy: 1e-6)
        XCTAssertEqual(t.data[3], -1, accuracy: 1e-6)
        XCTAssertEqual(data.images, [128, 255, 0, 0])
    }
}
