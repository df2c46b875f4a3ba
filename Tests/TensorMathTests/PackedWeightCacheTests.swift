@testable import TensorMath
import XCTest

/// `PackedWeightCache`: batch-1 convolutions reuse the packed weights of the same weight
/// tensor (same bits as packing again), a mutated tensor is packed afresh, batches of at
/// least the thread count never fill the cache, and the byte bound evicts the least
/// recently used entry.
final class PackedWeightCacheTests: XCTestCase {
    let pad1 = Conv2DGeometry(kernelH: 3, kernelW: 3, padTop: 1, padLeft: 1, padBottom: 1, padRight: 1)
    let stride2 = Conv2DGeometry(kernelH: 3, kernelW: 3, strideH: 2, strideW: 2, padTop: 1, padLeft: 1, padBottom: 1, padRight: 1)

    func random(_ shape: [Int], _ rng: inout ConvolutionTests.LCG) -> Tensor {
        Tensor(shape: shape, data: (0..<shape.reduce(1, *)).map { _ in rng.next() })
    }

    override func setUp() { Parallel.threadCount = 2 }
    override func tearDown() { Parallel.threadCount = 2 }

    func testBatchOneReusesThePackingAndRepacksAMutatedTensor() {
        var rng = ConvolutionTests.LCG(s: 12)
        let two = random([2, 8, 10, 10], &rng)
        let one = Tensor(shape: [1, 8, 10, 10], data: Array(two.data[0..<800]))
        for (algorithm, g) in [(ConvolutionAlgorithm.winograd, pad1), (.direct, stride2)] {
            let w = random([16, 8, 3, 3], &rng)
            let cache = PackedWeightCache.shared
            cache.removeAll()
            let first = Convolution.forward(one, weight: w, bias: nil, geometry: g, algorithm: algorithm)
            XCTAssertEqual(cache.usage.entries, 1, "\(algorithm): batch 1 caches its packing")
            let again = Convolution.forward(one, weight: w, bias: nil, geometry: g, algorithm: algorithm)
            XCTAssertEqual(cache.usage.entries, 1, "\(algorithm): the second call hits")
            XCTAssertEqual(again.data, first.data)
            // The batch of 2 (no cache on 2 threads) packs afresh: same bits for image 0.
            let batch = Convolution.forward(two, weight: w, bias: nil, geometry: g, algorithm: algorithm)
            XCTAssertEqual(Array(batch.data[0..<first.count]), first.data, "\(algorithm): cached = fresh packing")
            XCTAssertEqual(cache.usage.entries, 1, "\(algorithm): batches of 2 on 2 threads do not fill the cache")
            // A copy of the tensor mutated in place gets its own storage and its own packing.
            var m = w
            m.data[5] += 1
            let mutated = Convolution.forward(one, weight: m, bias: nil, geometry: g, algorithm: algorithm)
            XCTAssertEqual(cache.usage.entries, 2)
            XCTAssertNotEqual(mutated.data, first.data)
            let fresh = Convolution.forward(two, weight: m, bias: nil, geometry: g, algorithm: algorithm)
            XCTAssertEqual(Array(fresh.data[0..<mutated.count]), mutated.data, "\(algorithm): mutated weights packed afresh")
            XCTAssertEqual(Convolution.forward(one, weight: w, bias: nil, geometry: g, algorithm: algorithm).data, first.data)
        }
    }

    func testByteBoundEvictsTheLeastRecentlyUsedEntry() {
        // Each entry holds its 100 pinned + 100 packed floats: 800 bytes; room for two.
        let cache = PackedWeightCache(capacityBytes: 2000)
        let a = [Float](repeating: 1, count: 100), b = [Float](repeating: 2, count: 100), c = [Float](repeating: 3, count: 100)
        var made: [Float] = []
        func get(_ w: [Float]) -> [Float] {
            cache.packed(w, variant: [7]) { made.append(w[0]); return w.map { $0 * 10 } }
        }
        XCTAssertEqual(get(a).first, 10)
        XCTAssertEqual(get(b).first, 20)
        XCTAssertEqual(get(a).first, 10) // hit: a is now the most recent
        XCTAssertEqual(get(c).first, 30) // evicts b
        XCTAssertEqual(cache.usage.entries, 2)
        XCTAssertEqual(cache.usage.bytes, 1600)
        XCTAssertEqual(get(a).first, 10) // still there
        XCTAssertEqual(get(b).first, 20) // packed again
        XCTAssertEqual(made, [1, 2, 3, 2])
        // Another variant of the same storage is another entry.
        _ = cache.packed(a, variant: [8]) { made.append(-1); return a }
        XCTAssertEqual(made.last, -1)
        // An entry larger than the whole bound is returned but not kept.
        let big = PackedWeightCache(capacityBytes: 100)
        XCTAssertEqual(big.packed(a, variant: [7]) { a }.count, 100)
        XCTAssertEqual(big.usage.entries, 0)
    }
}
