import Simulation
import TensorMath
import XCTest

/// `ChannelMoments` splits channels over threads; each channel must still add image after
/// image, so chunked statistics equal the whole batch's bit for bit whatever the thread count
/// (the sensitivity analysis' statistics pass relies on it).
final class ChannelMomentsTests: XCTestCase {
    override func tearDown() { Parallel.threadCount = 2 }

    func testChunkedMomentsEqualTheWholeBatchOnAnyThreadCount() {
        var rng = SplitMix64(seed: 3)
        let shape = [12, 5, 40, 40]
        let x = Tensor(shape: shape, data: (0..<shape.reduce(1, *)).map { _ in Float(rng.nextUnitDouble() * 4 - 1) })
        Parallel.threadCount = 1
        let whole = ChannelStatistics(x)
        // Serial float64 reference in the documented order: channel by channel, image after image.
        let plane = 40 * 40
        for ch in 0..<5 {
            var s = 0.0
            for img in 0..<12 {
                var a = 0.0
                for j in 0..<plane { a += Double(x.data[(img * 5 + ch) * plane + j]) }
                s += a
            }
            XCTAssertEqual(whole.mean[ch], s / Double(12 * plane))
        }
        let per = 5 * plane
        for threads in [1, 2, 3] {
            Parallel.threadCount = threads
            var m = ChannelMoments(channels: 5)
            for chunk in [0..<4, 4..<5, 5..<12] {
                m.add(Tensor(shape: [chunk.count, 5, 40, 40], data: Array(x.data[chunk.lowerBound * per..<chunk.upperBound * per])))
            }
            XCTAssertEqual(m.statistics, whole, "\(threads) threads")
            XCTAssertEqual(ChannelStatistics(x), whole, "\(threads) threads")
        }
    }
}
