import TensorMath
import Datasets
import XCTest

final class ImageDatasetTests: XCTestCase {
    /// Five 1×1×2 images whose pixels encode their index.
    private func sample() -> ImageDataset {
        ImageDataset(images: (0..<5).flatMap { [UInt8($0 * 10), UInt8($0 * 10 + 1)] }, labels: [0, 1, 2, 3, 4],
                     channels: 1, height: 1, width: 2, classNames: ["a", "b", "c", "d", "e"], source: "sample")
    }

    func testSubsetPrefixAndLabels() {
        let data = sample()
        XCTAssertEqual(data.count, 5)
        XCTAssertEqual(data.labels(1..<3), [1, 2])
        let s = data.subset([4, 0, 4])
        XCTAssertEqual(s.labels, [4, 0, 4])
        XCTAssertEqual(s.images, [40, 41, 0, 1, 40, 41])
        XCTAssertEqual(s.classNames, data.classNames)
        let p = data.prefix(2)
        XCTAssertEqual(p.labels, [0, 1])
        XCTAssertEqual(p.images, [0, 1, 10, 11])
        XCTAssertEqual(data.prefix(99).count, 5)
        XCTAssertEqual(data.prefix(0).count, 0)
        let floats = ImageDataset(pixels: .float([1, 2, 3, 4]), labels: [7, 8], channels: 1, height: 1, width: 2)
        XCTAssertEqual(floats.subset([1]).pixels, .float([3, 4]))
        XCTAssertEqual(floats.prefix(1).pixels, .float([1, 2]))
    }

    func testSplitMix64MatchesReferenceVectors() {
        // Reference outputs of SplitMix64 (Vigna's splitmix64.c) for seeds 0 and 1234567.
        var zero = SplitMix64(seed: 0)
        XCTAssertEqual([zero.next(), zero.next(), zero.next()],
                       [0xE220_A839_7B1D_CDAF, 0x6E78_9E6A_A1B9_65F4, 0x06C4_5D18_8009_454F])
        var other = SplitMix64(seed: 1_234_567)
        XCTAssertEqual([other.next(), other.next()], [0x599E_D017_FB08_FC85, 0x2C73_F084_5854_0FA5])
    }

    func testPermutationIsPinned() {
        // Pinned so a change of algorithm (which would silently change calibration sets) fails here.
        XCTAssertEqual(SplitMix64.permutation(count: 10, seed: 42), [8, 3, 6, 5, 4, 0, 9, 2, 1, 7])
        XCTAssertEqual(SplitMix64.permutation(count: 10, seed: 7), [9, 5, 8, 6, 1, 2, 4, 7, 0, 3])
        XCTAssertEqual(SplitMix64.permutation(count: 0, seed: 7), [])
        XCTAssertEqual(SplitMix64.permutation(count: 1, seed: 7), [0])
        var rng = SplitMix64(seed: 3)
        for bound in [1, 2, 3, 7, 1000] {
            for _ in 0..<100 { XCTAssertLessThan(rng.nextIndex(below: bound), bound) }
        }
    }

    func testShuffledIsDeterministicAndKeepsPairs() {
        let data = sample()
        let a = data.shuffled(seed: 42)
        let b = data.shuffled(seed: 42)
        XCTAssertEqual(a.labels, b.labels)
        XCTAssertEqual(a.images, b.images)
        XCTAssertEqual(Set(a.labels), Set(data.labels))
        for i in 0..<a.count {
            let label = Int(a.labels[i])
            XCTAssertEqual(Array(a.images[(2 * i)..<(2 * i + 2)]), [UInt8(label * 10), UInt8(label * 10 + 1)])
        }
        let many = ImageDataset(images: [UInt8](repeating: 0, count: 100), labels: (0..<100).map(Int32.init),
                                channels: 1, height: 1, width: 1)
        XCTAssertNotEqual(many.shuffled(seed: 1).labels, many.shuffled(seed: 2).labels)
        XCTAssertNotEqual(many.shuffled(seed: 1).labels, many.labels)
    }
}
