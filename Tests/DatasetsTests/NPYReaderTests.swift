import Datasets
import XCTest

final class NPYReaderTests: XCTestCase {
    func testUInt8ChannelsLastIsTransposedToNCHW() throws {
        let dir = TempDirectory()
        // 2 images, 2×2 pixels, 3 channels; value = n·100 + c·10 + (h·2 + w)
        var nhwc: [UInt8] = []
        for n in 0..<2 { for p in 0..<4 { for c in 0..<3 { nhwc.append(UInt8(n * 100 + c * 10 + p)) } } }
        dir.write("train_images.npy", Fixture.npy(descr: "|u1", shape: [2, 2, 2, 3], data: nhwc))
        dir.write("train_labels.npy", Fixture.npy(descr: "<i8", shape: [2], data: Fixture.int64LE([7, 1])))
        XCTAssertEqual(try DatasetLoader.detectFormat(directory: dir.path), .npy)
        let data = try DatasetLoader.load(directory: dir.path, split: .train)
        XCTAssertEqual([data.count, data.channels, data.height, data.width], [2, 3, 2, 2])
        XCTAssertEqual(data.labels, [7, 1])
        var nchw: [UInt8] = []
        for n in 0..<2 { for c in 0..<3 { for p in 0..<4 { nchw.append(UInt8(n * 100 + c * 10 + p)) } } }
        XCTAssertEqual(data.images, nchw)
        XCTAssertNil(data.classNames)

        // The same bytes read as NCHW when the caller says so: shape is then C=2, H=2, W=3.
        let forced = try DatasetLoader.load(directory: dir.path, split: .train, layout: .nchw)
        XCTAssertEqual([forced.channels, forced.height, forced.width], [2, 2, 3])
        XCTAssertEqual(forced.images, nhwc)
    }

    func testFloat32NCHWInUnitRangeIsScaled() throws {
        let dir = TempDirectory()
        let values: [Float] = (0..<12).map { Float($0) / 11 }   // 1 image, 3×2×2, max 1.0
        dir.write("x_test.npy", Fixture.npy(descr: "<f4", shape: [1, 3, 2, 2], data: Fixture.float32LE(values), version: 2))
        dir.write("y_test.npy", Fixture.npy(descr: "|u1", shape: [1, 1], data: [4]))
        dir.write("classes.txt", Array("zero\none\ntwo\nthree\nfour\n".utf8))
        let data = try DatasetLoader.load(directory: dir.path, split: .test)
        XCTAssertEqual([data.channels, data.height, data.width], [3, 2, 2])
        XCTAssertEqual(data.labels, [4])
        XCTAssertEqual(data.classNames?[4], "four")
        guard case .float(let stored) = data.pixels else { return XCTFail("expected float storage") }
        for (s, v) in zip(stored, values) { XCTAssertEqual(s, v * 255, accuracy: 1e-4) }
        let t = data.batch(0..<1, normalization: .identity(channels: 3))
        for (x, v) in zip(t.data, values) { XCTAssertEqual(x, v, accuracy: 1e-6) }
    }

    func testFloat32AbovePointFiveIsPixelScaleAndRank3IsGrayscale() throws {
        let dir = TempDirectory()
        let values: [Float] = [0, 64, 128, 255, 1, 2, 3, 4]
        dir.write("images.npy", Fixture.npy(descr: "<f4", shape: [2, 2, 2], data: Fixture.float32LE(values), version: 3))
        dir.write("labels.npy", Fixture.npy(descr: "<i4", shape: [2], data: [1, 0, 0, 0, 2, 0, 0, 0]))
        let data = try DatasetLoader.load(directory: dir.path, split: .train)
        XCTAssertEqual([data.channels, data.height, data.width], [1, 2, 2])
        XCTAssertEqual(data.pixels, .float(values))
        XCTAssertEqual(data.labels, [1, 2])
        // A single images file finds its labels beside it.
        let single = try DatasetLoader.load(directory: dir.url("images.npy"), split: .test, limit: 1)
        XCTAssertEqual(single.labels, [1])
        XCTAssertEqual(single.pixels, .float([0, 64, 128, 255]))
    }

    func testBadDtypeFortranOrderAndBadHeaders() {
        let dir = TempDirectory()
        dir.write("train_labels.npy", Fixture.npy(descr: "|u1", shape: [1], data: [0]))

        dir.write("train_images.npy", Fixture.npy(descr: "<f8", shape: [1, 2, 2], data: [UInt8](repeating: 0, count: 32)))
        assertDatasetError(try DatasetLoader.load(directory: dir.path, split: .train), names: "train_images.npy",
                           contains: "unsupported dtype '<f8' (supported: uint8, float32)")

        dir.write("train_images.npy", Fixture.npy(descr: "|u1", shape: [1, 2, 2], data: [1, 2, 3, 4], fortran: true))
        assertDatasetError(try DatasetLoader.load(directory: dir.path, split: .train), names: "train_images.npy",
                           contains: "Fortran-order arrays are not supported")

        dir.write("train_images.npy", Array("PK\u{3}\u{4} not numpy".utf8))
        assertDatasetError(try DatasetLoader.load(directory: dir.path, split: .train), names: "train_images.npy",
                           contains: "not a .npy file")

        var header = Fixture.npy(descr: "|u1", shape: [1, 2, 2], data: [1, 2, 3, 4])
        if let i = header.firstIndex(of: UInt8(ascii: "{")) { header[i] = UInt8(ascii: "<") }
        dir.write("train_images.npy", header)
        assertDatasetError(try DatasetLoader.load(directory: dir.path, split: .train), names: "train_images.npy",
                           contains: "bad .npy header")

        dir.write("train_images.npy", Array(Fixture.npy(descr: "|u1", shape: [1, 2, 2], data: [1, 2, 3, 4]).prefix(20)))
        assertDatasetError(try DatasetLoader.load(directory: dir.path, split: .train), names: "train_images.npy",
                           contains: "truncated .npy header")

        dir.write("train_images.npy", Fixture.npy(descr: "|u1", shape: [1, 2, 2], data: [1, 2, 3]))
        assertDatasetError(try DatasetLoader.load(directory: dir.path, split: .train), names: "train_images.npy",
                           contains: "truncated: shape [1, 2, 2] of '|u1' needs 4 data bytes, file has 3")

        dir.write("train_images.npy", Fixture.npy(descr: "|u1", shape: [4], data: [1, 2, 3, 4]))
        assertDatasetError(try DatasetLoader.load(directory: dir.path, split: .train), names: "train_images.npy",
                           contains: "images must have shape")

        var v9 = Fixture.npy(descr: "|u1", shape: [1, 2, 2], data: [1, 2, 3, 4])
        v9[6] = 9
        dir.write("train_images.npy", v9)
        assertDatasetError(try DatasetLoader.load(directory: dir.path, split: .train), names: "train_images.npy",
                           contains: "unsupported .npy version 9.0")

        dir.write("train_images.npy", Fixture.npy(descr: "<f4", shape: [1, 1, 1], data: Fixture.float32LE([.nan])))
        assertDatasetError(try DatasetLoader.load(directory: dir.path, split: .train), names: "train_images.npy",
                           contains: "must be finite")
    }

    func testLabelProblems() {
        let dir = TempDirectory()
        dir.write("train_images.npy", Fixture.npy(descr: "|u1", shape: [2, 1, 1], data: [1, 2]))
        assertDatasetError(try DatasetLoader.load(directory: dir.path, split: .train), names: "train_labels.npy",
                           contains: "label file not found")

        dir.write("train_labels.npy", Fixture.npy(descr: "<i8", shape: [3], data: Fixture.int64LE([0, 1, 2])))
        assertDatasetError(try DatasetLoader.load(directory: dir.path, split: .train), names: "train_labels.npy",
                           contains: "3 labels but train_images.npy has 2 images")

        dir.write("train_labels.npy", Fixture.npy(descr: "<i8", shape: [2], data: Fixture.int64LE([0, -3])))
        assertDatasetError(try DatasetLoader.load(directory: dir.path, split: .train), names: "train_labels.npy",
                           contains: "label 1 is -3")

        dir.write("train_labels.npy", Fixture.npy(descr: "<f4", shape: [2], data: Fixture.float32LE([0, 1])))
        assertDatasetError(try DatasetLoader.load(directory: dir.path, split: .train), names: "train_labels.npy",
                           contains: "unsupported label dtype '<f4'")

        assertDatasetError(try DatasetLoader.load(directory: dir.path, split: .test), names: dir.path,
                           contains: "no .npy test split found")
    }
}
