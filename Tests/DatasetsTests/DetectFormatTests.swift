import Datasets
import XCTest

final class DetectFormatTests: XCTestCase {
    func testDetectsEachFormatFromFileNames() throws {
        let cifar = TempDirectory()
        cifar.write("test_batch.bin", [])
        XCTAssertEqual(try DatasetLoader.detectFormat(directory: cifar.path), .cifar10)
        XCTAssertEqual(try DatasetLoader.detectFormat(directory: cifar.url("test_batch.bin")), .cifar10)

        let idx = TempDirectory()
        idx.write("t10k-images-idx3-ubyte.gz", [])
        XCTAssertEqual(try DatasetLoader.detectFormat(directory: idx.path), .idx)
        let idxPlain = TempDirectory()
        idxPlain.write("train-images.idx3-ubyte", [])
        XCTAssertEqual(try DatasetLoader.detectFormat(directory: idxPlain.path), .idx)

        let npy = TempDirectory()
        npy.write("x_train.npy", [])
        XCTAssertEqual(try DatasetLoader.detectFormat(directory: npy.path), .npy)

        XCTAssertEqual(DatasetFormat.allCases.map(\.rawValue), ["cifar10", "idx", "npy"])
        XCTAssertEqual(DatasetSplit(rawValue: "test"), .test)
        XCTAssertEqual(try ImageLayout(parsing: "nhwc"), .nhwc)
        assertDatasetError(try ImageLayout(parsing: "HWC"), names: "layout 'HWC'", contains: "expected NCHW or NHWC")
    }

    func testNothingFound() {
        let empty = TempDirectory()
        empty.write("README.txt", Array("hi".utf8))
        assertDatasetError(try DatasetLoader.detectFormat(directory: empty.path), names: empty.path,
                           contains: "no dataset found (expected CIFAR-10 *_batch.bin, IDX *-idx3-ubyte[.gz] or .npy files)")
        assertDatasetError(try DatasetLoader.load(directory: empty.path, split: .test), names: empty.path,
                           contains: "no dataset found")
        assertDatasetError(try DatasetLoader.detectFormat(directory: empty.url("README.txt")), names: "README.txt",
                           contains: "cannot tell the dataset format")
        assertDatasetError(try DatasetLoader.load(directory: empty.url("nope"), split: .test), names: "nope",
                           contains: "no such file or directory")
    }
}
