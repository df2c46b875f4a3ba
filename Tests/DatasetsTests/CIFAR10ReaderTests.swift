import Datasets
import XCTest

final class CIFAR10ReaderTests: XCTestCase {
    /// Train batches of 2 records each (labels 0…9 across files), a 3-record test batch.
    private func makeCIFAR(_ dir: TempDirectory, meta: Bool = true) {
        for b in 1...5 {
            dir.write("data_batch_\(b).bin", Fixture.cifarRecords(labels: [UInt8(2 * b - 2), UInt8(2 * b - 1)], firstImage: 2 * (b - 1)))
        }
        dir.write("test_batch.bin", Fixture.cifarRecords(labels: [3, 8, 8], firstImage: 100))
        if meta {
            dir.write("batches.meta.txt", Array("a\nb\nc\nd\ne\nf\ng\nh\ni\nj\n\n".utf8))
        }
    }

    func testLoadsTrainInBatchOrderAsNCHW() throws {
        let dir = TempDirectory()
        makeCIFAR(dir)
        let train = try DatasetLoader.load(directory: dir.path, format: .cifar10, split: .train)
        XCTAssertEqual(train.count, 10)
        XCTAssertEqual([train.channels, train.height, train.width], [3, 32, 32])
        XCTAssertEqual(train.labels, (0..<10).map(Int32.init))
        XCTAssertEqual(train.classNames, ["a", "b", "c", "d", "e", "f", "g", "h", "i", "j"])
        let images = train.images
        for (n, c, k) in [(0, 0, 0), (3, 1, 5), (9, 2, 1023), (7, 0, 517)] {
            XCTAssertEqual(images[n * 3072 + c * 1024 + k], Fixture.cifarPixel(image: n, channel: c, index: k))
        }
        XCTAssertTrue(train.source.contains("CIFAR-10 train"))
    }

    func testTestSplitLimitAndDefaultClassNames() throws {
        let dir = TempDirectory()
        makeCIFAR(dir, meta: false)
        let test = try DatasetLoader.load(directory: dir.path, split: .test)
        XCTAssertEqual(test.labels, [3, 8, 8])
        XCTAssertEqual(test.classNames?[3], "cat")
        let limited = try DatasetLoader.load(directory: dir.path, split: .train, limit: 3)
        XCTAssertEqual(limited.labels, [0, 1, 2])
        XCTAssertEqual(limited.images.count, 3 * 3072)
        XCTAssertEqual(limited.images[2 * 3072 + 1024], Fixture.cifarPixel(image: 2, channel: 1, index: 0))
    }

    func testSingleFilePath() throws {
        let dir = TempDirectory()
        makeCIFAR(dir)
        let one = try DatasetLoader.load(directory: dir.url("data_batch_3.bin"), split: .train)
        XCTAssertEqual(one.labels, [4, 5])
        XCTAssertEqual(one.classNames?.first, "a")
    }

    func testBadSizeBadLabelMissingFileAndEmpty() {
        let dir = TempDirectory()
        makeCIFAR(dir)
        dir.write("test_batch.bin", Fixture.cifarRecords(labels: [1]) + [0, 0])
        assertDatasetError(try DatasetLoader.load(directory: dir.path, split: .test), names: "test_batch.bin",
                           contains: "size 3075 is not a multiple of the 3073-byte CIFAR-10 record")

        dir.write("test_batch.bin", Fixture.cifarRecords(labels: [1, 12]))
        assertDatasetError(try DatasetLoader.load(directory: dir.path, split: .test), names: "test_batch.bin",
                           contains: "record 1 has label 12")

        dir.write("test_batch.bin", [])
        assertDatasetError(try DatasetLoader.load(directory: dir.path, split: .test), names: "test_batch.bin",
                           contains: "empty")

        try? FileManager.default.removeItem(atPath: dir.url("data_batch_4.bin"))
        assertDatasetError(try DatasetLoader.load(directory: dir.path, split: .train), names: "data_batch_4.bin",
                           contains: "not found")

        assertDatasetError(try DatasetLoader.load(directory: dir.path, split: .train, limit: 0), names: "limit",
                           contains: "at least 1")
    }
}
