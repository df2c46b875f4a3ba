import CFloatConv
import TensorMath
import XCTest

/// The direct kernel (`CFloatConv`): AVX2 and portable versions against the nested-loop
/// reference on shapes that exercise the layout's edges, and per-image results that do not
/// depend on the batch or the thread split.
final class DirectConvolutionTests: XCTestCase {
    typealias Case = (n: Int, cin: Int, cout: Int, h: Int, w: Int, g: Conv2DGeometry)

    /// Output channels not a multiple of 16 (zero-padded panels), pixel counts not a
    /// multiple of 6 (partial last tile), asymmetric pads, strides, dilations, 1×1 kernels.
    let cases: [Case] = [
        (3, 5, 20, 9, 7, Conv2DGeometry(kernelH: 3, kernelW: 3, padTop: 1, padLeft: 1, padBottom: 1, padRight: 1)),
        (2, 16, 33, 8, 8, Conv2DGeometry(kernelH: 3, kernelW: 3, strideH: 2, strideW: 2, padTop: 1, padLeft: 1, padBottom: 1, padRight: 1)),
        (4, 7, 16, 11, 5, Conv2DGeometry(kernelH: 1, kernelW: 1, strideH: 2, strideW: 2)),
        (1, 3, 10, 10, 13, Conv2DGeometry(kernelH: 3, kernelW: 5, strideH: 1, strideW: 2, dilationH: 2, dilationW: 1,
                                          padTop: 0, padLeft: 3, padBottom: 2, padRight: 0)),
        (5, 2, 1, 3, 3, Conv2DGeometry(kernelH: 3, kernelW: 3, padTop: 2, padLeft: 2, padBottom: 2, padRight: 2)),
        (3, 64, 48, 4, 4, Conv2DGeometry(kernelH: 3, kernelW: 3, padTop: 1, padLeft: 1, padBottom: 1, padRight: 1)),
    ]

    func random(_ shape: [Int], _ rng: inout ConvolutionTests.LCG) -> Tensor {
        Tensor(shape: shape, data: (0..<shape.reduce(1, *)).map { _ in rng.next() })
    }

    override func tearDown() {
        bb_convf_set_simd(1)
        Parallel.threadCount = 2
    }

    func testBothKernelsMatchTheReference() {
        var rng = ConvolutionTests.LCG(s: 99)
        for simd in [0, 1] {
            bb_convf_set_simd(Int32(simd))
            for c in cases {
                let x = random([c.n, c.cin, c.h, c.w], &rng)
                let w = random([c.cout, c.cin, c.g.kernelH, c.g.kernelW], &rng)
                let b = random([c.cout], &rng)
                let r = ConvolutionTests.reference(x, w, b, c.g, groups: 1)
                let y = Convolution.forward(x, weight: w, bias: b, geometry: c.g, algorithm: .direct)
                XCTAssertEqual(y.shape, r.shape)
                for (u, v) in zip(y.data, r.data) { XCTAssertEqual(u, v, accuracy: 2e-4, "simd \(simd) \(c)") }
                let clipped = Convolution.forward(x, weight: w, bias: nil, geometry: c.g, activation: .clip(min: -0.5, max: 0.75), algorithm: .direct)
                let rn = ConvolutionTests.reference(x, w, nil, c.g, groups: 1)
                for (u, v) in zip(clipped.data, rn.data) { XCTAssertEqual(u, min(max(v, -0.5), 0.75), accuracy: 2e-4) }
            }
        }
    }

    /// Winograd F(4×4, 3×3) against the reference on 3×3 stride-1 shapes (odd output sizes:
    /// partial 4×4 tiles; tile counts not a multiple of 6; asymmetric pads; cout not a multiple
    /// of 16), both kernels; shapes it does not cover fall back to the direct kernel.
    func testWinogradMatchesTheReference() {
        var rng = ConvolutionTests.LCG(s: 31)
        let pad1 = Conv2DGeometry(kernelH: 3, kernelW: 3, padTop: 1, padLeft: 1, padBottom: 1, padRight: 1)
        let wcases: [Case] = [
            (3, 5, 20, 9, 7, pad1), (2, 16, 16, 32, 32, pad1), (1, 64, 48, 8, 8, pad1),
            (2, 3, 7, 6, 11, Conv2DGeometry(kernelH: 3, kernelW: 3, padTop: 0, padLeft: 2, padBottom: 1, padRight: 0)),
            (4, 2, 3, 3, 3, Conv2DGeometry(kernelH: 3, kernelW: 3)),
            // 14 x 13 tiles: 8-, 4-tile and single-tile input steps, a last tile row of one output row.
            (1, 4, 9, 25, 27, pad1),
        ] + cases
        for simd in [0, 1] {
            bb_convf_set_simd(Int32(simd))
            for c in wcases {
                let x = random([c.n, c.cin, c.h, c.w], &rng)
                let w = random([c.cout, c.cin, c.g.kernelH, c.g.kernelW], &rng)
                let b = random([c.cout], &rng)
                let r = ConvolutionTests.reference(x, w, b, c.g, groups: 1)
                let y = Convolution.forward(x, weight: w, bias: b, geometry: c.g, activation: .relu, algorithm: .winograd)
                XCTAssertEqual(y.shape, r.shape)
                let tolerance = 1e-5 * Float(c.cin * 9) + 1e-4
                for (u, v) in zip(y.data, r.data) { XCTAssertEqual(u, max(v, 0), accuracy: tolerance, "simd \(simd) \(c)") }
            }
        }
    }

    /// The AVX2 kernels against the portable ones, bit for bit: the portable code defines the
    /// semantics (one fused multiply-add per tap or input channel, in order; the Winograd
    /// transforms' operations in the written order), and the SIMD paths (8- and 4-tile and
    /// gathered input steps, 8x8 output transposes, 16 x 6 and 16 x 4 GEMM tiles) must not
    /// change a single bit.
    func testSIMDKernelsAreBitExactAgainstThePortableOnes() throws {
        bb_convf_set_simd(1)
        guard bb_convf_simd_available() != 0 else { throw XCTSkip("no AVX2+FMA on this CPU") }
        var rng = ConvolutionTests.LCG(s: 77)
        let pad1 = Conv2DGeometry(kernelH: 3, kernelW: 3, padTop: 1, padLeft: 1, padBottom: 1, padRight: 1)
        // Winograd F(4×4, 3×3) paths: 7 tiles wide (a 4-tile input step + single tiles, 3 output
        // groups + a scalar tile), 8 and 16 wide (8-tile steps), 2 wide (gathered input; 8×8: one
        // output group, 4-tile GEMM groups, cout past a 16-channel block; 9×7: scalar output).
        let extra: [Case] = [(2, 4, 9, 25, 27, pad1), (1, 16, 16, 32, 32, pad1), (1, 3, 8, 20, 64, pad1),
                             (2, 24, 40, 8, 8, pad1), (2, 5, 20, 9, 7, pad1)]
        for c in cases + extra {
            let x = random([c.n, c.cin, c.h, c.w], &rng)
            let w = random([c.cout, c.cin, c.g.kernelH, c.g.kernelW], &rng)
            let b = random([c.cout], &rng)
            for algorithm in [ConvolutionAlgorithm.direct, .winograd] {
                for activation in [FusedActivation.none, .relu, .clip(min: -0.5, max: 0.75)] {
                    bb_convf_set_simd(1)
                    let fast = Convolution.forward(x, weight: w, bias: b, geometry: c.g, activation: activation, algorithm: algorithm)
                    bb_convf_set_simd(0)
                    let portable = Convolution.forward(x, weight: w, bias: b, geometry: c.g, activation: activation, algorithm: algorithm)
                    XCTAssertEqual(fast.data.map(\.bitPattern), portable.data.map(\.bitPattern), "\(algorithm) \(activation) \(c)")
                }
            }
        }
    }

    /// Every image gets the same bits alone or in a batch, on 1, 2 or 3 threads (the
    /// sensitivity analysis relies on it to reproduce its full-pass reference exactly).
    func testPerImageResultIndependentOfBatchAndThreads() {
        var rng = ConvolutionTests.LCG(s: 5)
        let pad1 = Conv2DGeometry(kernelH: 3, kernelW: 3, padTop: 1, padLeft: 1, padBottom: 1, padRight: 1)
        for c in cases + [(3, 4, 9, 25, 27, pad1), (2, 16, 24, 16, 16, pad1)] {
            let x = random([c.n, c.cin, c.h, c.w], &rng)
            let w = random([c.cout, c.cin, c.g.kernelH, c.g.kernelW], &rng)
            let b = random([c.cout], &rng)
            Parallel.threadCount = 1
            for algorithm in [ConvolutionAlgorithm.direct, .winograd] {
                Parallel.threadCount = 1
                let whole = Convolution.forward(x, weight: w, bias: b, geometry: c.g, activation: .relu, algorithm: algorithm)
                for threads in [2, 3] {
                    Parallel.threadCount = threads
                    XCTAssertEqual(Convolution.forward(x, weight: w, bias: b, geometry: c.g, activation: .relu, algorithm: algorithm).data, whole.data)
                    let per = x.count / c.n, outPer = whole.count / c.n
                    let one = Tensor(shape: [1, c.cin, c.h, c.w], data: Array(x.data[(c.n - 1) * per..<c.n * per]))
                    let y1 = Convolution.forward(one, weight: w, bias: b, geometry: c.g, activation: .relu, algorithm: algorithm)
                    XCTAssertEqual(y1.data, Array(whole.data[(c.n - 1) * outPer..<c.n * outPer]), "\(algorithm)")
                }
            }
        }
    }

    /// The automatic choice, where the AVX2 kernels run: Winograd for a 3×3 stride-1
    /// convolution, the direct kernel for a strided one; im2col + sgemm without them.
    func testAutomaticChoosesWinogradOrDirectOnlyWithSIMD() {
        var rng = ConvolutionTests.LCG(s: 8)
        for (c, simdChoice) in [(cases[0], ConvolutionAlgorithm.winograd), (cases[1], .direct)] {
            let x = random([c.n, c.cin, c.h, c.w], &rng)
            let w = random([c.cout, c.cin, 3, 3], &rng)
            for simd in [0, 1] {
                let on = bb_convf_set_simd(Int32(simd)) != 0
                let auto = Convolution.forward(x, weight: w, bias: nil, geometry: c.g)
                let expected = Convolution.forward(x, weight: w, bias: nil, geometry: c.g, algorithm: on ? simdChoice : .im2colGEMM)
                XCTAssertTrue(auto.data == expected.data, "simd \(simd) \(simdChoice)")
                if on && simdChoice == .winograd {
                    let direct = Convolution.forward(x, weight: w, bias: nil, geometry: c.g, algorithm: .direct)
                    XCTAssertFalse(auto.data == direct.data, "Winograd rounds differently from the direct kernel")
                }
            }
        }
    }
}
