import Datasets
import XCTest

final class IDXReaderTests: XCTestCase {
    private let pixel: (Int, Int) -> UInt8 = { n, k in UInt8((n * 13 + k * 3) % 256) }

    private func makeIDX(_ dir: TempDirectory, gzip: Bool, prefix: String = "train", count: Int = 4,
                         labels: [UInt8]? = nil) {
        let images = Fixture.idxImages(count: count, rows: 3, cols: 2, pixel: pixel)
        let labelBytes = Fixture.idxLabels(labels ?? (0..<count).map { UInt8($0 % 10) })
        if gzip {
            dir.writeGzip("\(prefix)-images-idx3-ubyte.gz", images)
            dir.writeGzip("\(prefix)-labels-idx1-ubyte.gz", labelBytes)
        } else {
            dir.write("\(prefix)-images-idx3-ubyte", images)
            dir.write("\(prefix)-labels-idx1-ubyte", labelBytes)
        }
    }

    private func checkContents(_ data: ImageDataset, count: Int) {
        XCTAssertEqual(data.count, count)
        XCTAssertEqual([data.channels, data.height, data.width], [1, 3, 2])
        XCTAssertEqual(data.labels, (0..<count).map { Int32($0 % 10) })
        XCTAssertEqual(data.images, (0..<count).flatMap { n in (0..<6).map { pixel(n, $0) } })
    }

    func testPlainAndGzipGiveTheSameData() throws {
        for gzip in [false, true] {
            let dir = TempDirectory()
            makeIDX(dir, gzip: gzip)
            makeIDX(dir, gzip: gzip, prefix: "t10k", count: 2)
            XCTAssertEqual(try DatasetLoader.detectFormat(directory: dir.path), .idx)
            checkContents(try DatasetLoader.load(directory: dir.path, split: .train), count: 4)
            checkContents(try DatasetLoader.load(directory: dir.path, format: .idx, split: .test), count: 2)
            checkContents(try DatasetLoader.load(directory: dir.path, split: .train, limit: 3), count: 3)
            let single = try DatasetLoader.load(directory: dir.url(gzip ? "t10k-images-idx3-ubyte.gz" : "t10k-images-idx3-ubyte"),
                                                split: .train)
            checkContents(single, count: 2)
            XCTAssertEqual(single.classNames, (0...9).map(String.init))
        }
    }

    func testFashionClassNamesFromDirectoryName() throws {
        let root = TempDirectory()
        let sub = root.subdirectory("fashion-mnist")
        let images = Fixture.idxImages(count: 2, rows: 3, cols: 2, pixel: pixel)
        root.writeGzip("fashion-mnist/t10k-images-idx3-ubyte.gz", images)
        root.writeGzip("fashion-mnist/t10k-labels-idx1-ubyte.gz", Fixture.idxLabels([9, 0]))
        let data = try DatasetLoader.load(directory: sub, split: .test)
        XCTAssertEqual(data.classNames?[9], "Ankle boot")
        XCTAssertEqual(data.classNames?[0], "T-shirt/top")
    }

    func testBadMagic() {
        let dir = TempDirectory()
        makeIDX(dir, gzip: false)
        var bytes = Fixture.idxImages(count: 1, rows: 3, cols: 2, pixel: pixel)
        bytes[3] = 0x02
        dir.write("train-images-idx3-ubyte", bytes)
        assertDatasetError(try DatasetLoader.load(directory: dir.path, split: .train), names: "train-images-idx3-ubyte",
                           contains: "bad IDX magic 0x00000802 (expected 0x00000803")
        makeIDX(dir, gzip: false)
        dir.write("train-labels-idx1-ubyte", Fixture.idxImages(count: 4, rows: 3, cols: 2, pixel: pixel))
        assertDatasetError(try DatasetLoader.load(directory: dir.path, split: .train), names: "train-labels-idx1-ubyte",
                           contains: "bad IDX magic 0x00000803 (expected 0x00000801 for a label file)")
    }

    func testImplausibleHeaderIsRejectedBeforeReading() {
        let dir = TempDirectory()
        let huge = Fixture.bigEndian(0x0000_0803) + Fixture.bigEndian(0xFFFF_FFFF) + Fixture.bigEndian(0xFFFF) + Fixture.bigEndian(0xFFFF)
        dir.write("train-images-idx3-ubyte", huge)
        dir.write("train-labels-idx1-ubyte", Fixture.bigEndian(0x0000_0801) + Fixture.bigEndian(0xFFFF_FFFF))
        assertDatasetError(try DatasetLoader.load(directory: dir.path, split: .train), names: "train-images-idx3-ubyte",
                           contains: "implausibly large")
        dir.write("train-labels-idx1-ubyte", Fixture.bigEndian(0x0000_0801) + Fixture.bigEndian(0xFFFF_FFFF) + [1, 2])
        assertDatasetError(try DatasetLoader.load(directory: dir.path, split: .train, limit: 3), names: "train-labels-idx1-ubyte",
                           contains: "label data needs 3 bytes, only 2 left")
    }

    func testMismatchedCounts() {
        let dir = TempDirectory()
        makeIDX(dir, gzip: true)
        dir.writeGzip("train-labels-idx1-ubyte.gz", Fixture.idxLabels([1, 2, 3]))
        assertDatasetError(try DatasetLoader.load(directory: dir.path, split: .train), names: "train-labels-idx1-ubyte.gz",
                           contains: "3 labels but train-images-idx3-ubyte.gz has 4 images")
    }

    func testMissingLabelFile() {
        let dir = TempDirectory()
        makeIDX(dir, gzip: true)
        try? FileManager.default.removeItem(atPath: dir.url("train-labels-idx1-ubyte.gz"))
        assertDatasetError(try DatasetLoader.load(directory: dir.path, split: .train), names: "train-labels-idx1-ubyte.gz",
                           contains: "label file not found")
        assertDatasetError(try DatasetLoader.load(directory: dir.path, split: .test), names: dir.path,
                           contains: "no IDX test images found")
    }

    func testTruncatedPlainFile() {
        let dir = TempDirectory()
        makeIDX(dir, gzip: false)
        let images = Fixture.idxImages(count: 4, rows: 3, cols: 2, pixel: pixel)
        dir.write("train-images-idx3-ubyte", Array(images.dropLast(5)))
        assertDatasetError(try DatasetLoader.load(directory: dir.path, split: .train), names: "train-images-idx3-ubyte",
                           contains: "image data needs 24 bytes, only 19 left")
        dir.write("train-images-idx3-ubyte", Array(images.prefix(6)))
        assertDatasetError(try DatasetLoader.load(directory: dir.path, split: .train), names: "train-images-idx3-ubyte",
                           contains: "IDX header")
    }

    func testTruncatedAndCorruptGzip() throws {
        let dir = TempDirectory()
        makeIDX(dir, gzip: true, count: 200)
        let path = dir.url("train-images-idx3-ubyte.gz")
        let full = [UInt8](try Data(contentsOf: URL(fileURLWithPath: path)))
        dir.write("train-images-idx3-ubyte.gz", Array(full.prefix(full.count / 2)))
        assertDatasetError(try DatasetLoader.load(directory: dir.path, split: .train), names: "train-images-idx3-ubyte.gz",
                           contains: "truncated gzip stream")

        var corrupt = full
        for i in 12..<min(40, corrupt.count - 8) { corrupt[i] ^= 0x5A }
        dir.write("train-images-idx3-ubyte.gz", corrupt)
        assertDatasetError(try DatasetLoader.load(directory: dir.path, split: .train), names: "train-images-idx3-ubyte.gz",
                           contains: "gzip")
    }
}
