import TensorMath
import XCTest

final class TensorOpsTests: XCTestCase {
    func testBroadcastShapes() {
        XCTAssertEqual(Broadcast.shape([2, 3, 4, 5], [3, 1, 1]), [2, 3, 4, 5])
        XCTAssertEqual(Broadcast.shape([1], [4, 2]), [4, 2])
        XCTAssertNil(Broadcast.shape([2, 3], [4, 3]))
    }

    func testElementwiseBroadcastPerChannel() {
        let x = Tensor(shape: [1, 2, 2, 1], data: [1, 2, 3, 4])
        let c = Tensor(shape: [1, 2, 1, 1], data: [10, 100])
        XCTAssertEqual(x.elementwise(.mul, c).data, [10, 20, 300, 400])
        XCTAssertEqual(c.elementwise(.sub, x).data, [9, 8, 97, 96])
    }

    func testTransposeSlicePadConcat() {
        let x = Tensor(shape: [2, 3], data: [0, 1, 2, 3, 4, 5])
        XCTAssertEqual(x.transposed([1, 0]).data, [0, 3, 1, 4, 2, 5])
        XCTAssertEqual(x.sliced(starts: [0, 2], steps: [1, -1], outShape: [2, 2]).data, [2, 1, 5, 4])
        XCTAssertEqual(x.padded([0, 1, 0, 1], value: 9).data, [9, 0, 1, 2, 9, 9, 3, 4, 5, 9])
        XCTAssertEqual(x.padded([0, 1, 0, 1], mode: .reflect).data, [1, 0, 1, 2, 1, 4, 3, 4, 5, 4])
        XCTAssertEqual(x.padded([0, 1, 0, 1], mode: .edge).data, [0, 0, 1, 2, 2, 3, 3, 4, 5, 5])
        XCTAssertEqual(Tensor.concatenate([x, x], axis: 1).data, [0, 1, 2, 0, 1, 2, 3, 4, 5, 3, 4, 5])
    }

    /// A strided slice large enough to be split over threads (the ResNet option-A shortcut's
    /// `x[:, :, ::2, ::2]`) and a transpose with a strided inner axis, against index math, on
    /// 1, 2 and 3 threads.
    func testLargeSliceAndTransposeSplitOverThreads() {
        let shape = [8, 16, 64, 64]
        let x = Tensor(shape: shape, data: (0..<shape.reduce(1, *)).map { Float($0 % 9973) })
        defer { Parallel.threadCount = 2 }
        for threads in [1, 2, 3] {
            Parallel.threadCount = threads
            let y = x.sliced(starts: [0, 0, 1, 0], steps: [1, 1, 2, 2], outShape: [8, 16, 32, 32])
            var k = 0, ok = true
            for a in 0..<8 { for b in 0..<16 { for c in 0..<32 { for d in 0..<32 {
                ok = ok && y.data[k] == x.data[((a * 16 + b) * 64 + 2 * c + 1) * 64 + 2 * d]; k += 1
            }}}}
            XCTAssertTrue(ok, "slice, \(threads) threads")
            let t = x.transposed([0, 1, 3, 2])
            k = 0; ok = true
            for a in 0..<8 { for b in 0..<16 { for c in 0..<64 { for d in 0..<64 {
                ok = ok && t.data[k] == x.data[((a * 16 + b) * 64 + d) * 64 + c]; k += 1
            }}}}
            XCTAssertTrue(ok, "transpose, \(threads) threads")
        }
    }

    /// Constant padding (the row-copy path) of a rank-4 tensor against per-element index math,
    /// and a negative pad (crop), which takes the general path.
    func testConstantPadRank4AndCrop() {
        let shape = [2, 3, 4, 5], pads = [1, 0, 2, 1, 0, 2, 1, 3]
        let x = Tensor(shape: shape, data: (0..<120).map { Float($0) })
        let y = x.padded(pads, value: -1)
        let out = (0..<4).map { shape[$0] + pads[$0] + pads[$0 + 4] }
        XCTAssertEqual(y.shape, out)
        var k = 0
        for a in 0..<out[0] { for b in 0..<out[1] { for c in 0..<out[2] { for d in 0..<out[3] {
            let i = [a - pads[0], b - pads[1], c - pads[2], d - pads[3]]
            let inside = (0..<4).allSatisfy { i[$0] >= 0 && i[$0] < shape[$0] }
            let expected: Float = inside ? Float(((i[0] * 3 + i[1]) * 4 + i[2]) * 5 + i[3]) : -1
            XCTAssertEqual(y.data[k], expected); k += 1
        }}}}
        let m = Tensor(shape: [2, 3], data: [0, 1, 2, 3, 4, 5])
        XCTAssertEqual(m.padded([0, -1, 0, 1]).data, [1, 2, 0, 4, 5, 0])
    }

    func testGemmMatmulSoftmaxMean() {
        let a = Tensor(shape: [2, 2], data: [1, 2, 3, 4]), b = Tensor(shape: [2, 2], data: [5, 6, 7, 8])
        XCTAssertEqual(Tensor.gemm(a, b, c: Tensor(shape: [2], data: [1, 1])).data, [20, 23, 44, 51])
        XCTAssertEqual(Tensor.gemm(a, b, c: nil, transA: true, transB: true).data, [23, 31, 34, 46])
        XCTAssertEqual(Tensor.matmul(a, b).data, [19, 22, 43, 50])
        let s = Tensor(shape: [1, 2], data: [0, log(3)]).softmax(axis: 1)
        XCTAssertEqual(s.data[0], 0.25, accuracy: 1e-6)
        XCTAssertEqual(a.mean(axes: [1], keepDims: false).data, [1.5, 3.5])
    }

    func testPooling() {
        let x = Tensor(shape: [1, 1, 3, 3], data: [1, 2, 3, 4, 5, 6, 7, 8, 9])
        let g = Conv2DGeometry(kernelH: 2, kernelW: 2, strideH: 2, strideW: 2)
        XCTAssertEqual(Pooling.max(x, geometry: g).data, [5])
        XCTAssertEqual(Pooling.max(x, geometry: g, ceilMode: true).data, [5, 6, 8, 9])
        XCTAssertEqual(Pooling.average(x, geometry: g, ceilMode: true).data, [3, 4.5, 7.5, 9])
        XCTAssertEqual(Pooling.globalAverage(x).data, [5])
    }
}
