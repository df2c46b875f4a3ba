import TensorMath
import XCTest

/// Convolution (im2col + sgemm and the direct kernel, every parallel split) against a nested-loop reference.
final class ConvolutionTests: XCTestCase {
    struct LCG { var s: UInt64; mutating func next() -> Float { s = s &* 6364136223846793005 &+ 1442695040888963407; return Float(Int64(bitPattern: s >> 11) % 2001 - 1000) / 1000 } }

    func random(_ shape: [Int], _ rng: inout LCG) -> Tensor {
        Tensor(shape: shape, data: (0..<shape.reduce(1, *)).map { _ in rng.next() })
    }

    static func reference(_ x: Tensor, _ w: Tensor, _ b: Tensor?, _ g: Conv2DGeometry, groups: Int) -> Tensor {
        let (n, cin, h, wd) = (x.shape[0], x.shape[1], x.shape[2], x.shape[3])
        let g = g.resolved(height: h, width: wd)
        let cout = w.shape[0], cinG = cin / groups, coutG = cout / groups
        let (oh, ow) = g.outputSize(height: h, width: wd)
        var y = Tensor(zeros: [n, cout, oh, ow])
        for i in 0..<n { for o in 0..<cout { for oy in 0..<oh { for ox in 0..<ow {
            var s: Double = Double(b?.data[o] ?? 0)
            let grp = o / coutG
            for c in 0..<cinG { for ky in 0..<g.kernelH { for kx in 0..<g.kernelW {
                let iy = oy * g.strideH - g.padTop + ky * g.dilationH, ix = ox * g.strideW - g.padLeft + kx * g.dilationW
                if iy < 0 || iy >= h || ix < 0 || ix >= wd { continue }
                s += Double(x.data[((i * cin + grp * cinG + c) * h + iy) * wd + ix]) * Double(w.data[((o * cinG + c) * g.kernelH + ky) * g.kernelW + kx])
            }}}
            y.data[((i * cout + o) * oh + oy) * ow + ox] = Float(s)
        }}}}
        return y
    }

    func testMatchesReferenceAcrossGeometriesAndThreadSplits() {
        var rng = LCG(s: 42)
        let cases: [(n: Int, cin: Int, cout: Int, h: Int, w: Int, g: Conv2DGeometry, groups: Int)] = [
            (1, 3, 4, 7, 9, Conv2DGeometry(kernelH: 3, kernelW: 3, padTop: 1, padLeft: 1, padBottom: 1, padRight: 1), 1),
            (5, 4, 6, 8, 8, Conv2DGeometry(kernelH: 3, kernelW: 3, strideH: 2, strideW: 2, padTop: 1, padLeft: 0, padBottom: 2, padRight: 1), 2),
            (3, 4, 4, 6, 5, Conv2DGeometry(kernelH: 3, kernelW: 3, dilationH: 2, dilationW: 2, padTop: 2, padLeft: 2, padBottom: 2, padRight: 2), 4),
            (40, 6, 3, 4, 4, Conv2DGeometry(kernelH: 1, kernelW: 1), 1),
            (2, 2, 3, 5, 6, { var g = Conv2DGeometry(kernelH: 3, kernelW: 2, strideH: 2, strideW: 2); g.autoPad = .sameUpper; return g }(), 1),
        ]
        for threads in [1, 2, 3] {
            Parallel.threadCount = threads
            for c in cases {
                let x = random([c.n, c.cin, c.h, c.w], &rng)
                let w = random([c.cout, c.cin / c.groups, c.g.kernelH, c.g.kernelW], &rng)
                let b = random([c.cout], &rng)
                let r = Self.reference(x, w, b, c.g, groups: c.groups)
                for algorithm in [ConvolutionAlgorithm.automatic, .im2colGEMM, .direct] {
                    let y = Convolution.forward(x, weight: w, bias: b, geometry: c.g, groups: c.groups, algorithm: algorithm)
                    XCTAssertEqual(y.shape, r.shape)
                    for (u, v) in zip(y.data, r.data) { XCTAssertEqual(u, v, accuracy: 1e-4, "\(algorithm)") }
                    let yr = Convolution.forward(x, weight: w, bias: b, geometry: c.g, groups: c.groups, activation: .relu, algorithm: algorithm)
                    for (u, v) in zip(yr.data, r.data) { XCTAssertEqual(u, max(v, 0), accuracy: 1e-4, "\(algorithm)") }
                }
            }
        }
        Parallel.threadCount = 2
    }

    func testFoldIsTheAdjointOfUnfold() {
        // <unfold(x), c> == <x, fold(c)> for random x, c.
        var rng = LCG(s: 7)
        let g = Conv2DGeometry(kernelH: 3, kernelW: 3, strideH: 2, strideW: 1, padTop: 1, padLeft: 1, padBottom: 0, padRight: 1)
        let (ch, h, w) = (2, 6, 5)
        let (oh, ow) = g.outputSize(height: h, width: w)
        let x = random([ch * h * w], &rng), c = random([ch * 9 * oh * ow], &rng)
        var cols = [Float](repeating: 0, count: c.count), img = [Float](repeating: 0, count: x.count)
        x.data.withUnsafeBufferPointer { Im2Col.unfold(input: $0.baseAddress!, channels: ch, height: h, width: w, geometry: g, outH: oh, outW: ow, into: &cols) }
        c.data.withUnsafeBufferPointer { Im2Col.fold(cols: $0.baseAddress!, channels: ch, height: h, width: w, geometry: g, outH: oh, outW: ow, into: &img) }
        let lhs = zip(cols, c.data).reduce(0.0) { $0 + Double($1.0 * $1.1) }
        let rhs = zip(x.data, img).reduce(0.0) { $0 + Double($1.0 * $1.1) }
        XCTAssertEqual(lhs, rhs, accuracy: 1e-3)
    }
}
