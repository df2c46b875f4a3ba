/// Unfolds one image's (C×H×W) receptive fields into a (C·kh·kw) × (outH·outW) matrix.
///
/// Row r = (c, ky, kx), column j = (oy, ox); out-of-image taps read `padValue`.
/// With this layout a convolution is one GEMM, W[Cout × C·kh·kw] · cols, whose result is
/// already the NCHW output plane of the image — no transposes.
public enum Im2Col {
    public static func unfold(input: UnsafePointer<Float>, channels: Int, height: Int, width: Int,
                              geometry g: Conv2DGeometry, outH: Int, outW: Int,
                              into cols: UnsafeMutablePointer<Float>, rowStride: Int? = nil, padValue: Float = 0) {
        // `rowStride` > outH·outW lets several images share one column matrix side by side.
        let plane = rowStride ?? outH * outW
        var row = 0
        for c in 0..<channels {
            let src = input + c * height * width
            for ky in 0..<g.kernelH {
                for kx in 0..<g.kernelW {
                    let dst = cols + row * plane
                    let dy = ky * g.dilationH - g.padTop
                    let dx = kx * g.dilationW - g.padLeft
                    for oy in 0..<outH {
                        let iy = oy * g.strideH + dy
                        let drow = dst + oy * outW
                        if iy < 0 || iy >= height {
                            for ox in 0..<outW { drow[ox] = padValue }
                            continue
                        }
                        let srow = src + iy * width
                        if g.strideW == 1 {
                            // Contiguous run: clamp the valid x range, copy it in one go.
                            let x0 = max(0, -dx), x1 = min(outW, width - dx)
                            if x0 > 0 { for ox in 0..<min(x0, outW) { drow[ox] = padValue } }
                            if x1 > x0 { (drow + x0).update(from: srow + x0 + dx, count: x1 - x0) }
                            if x1 < outW { for ox in max(x1, 0)..<outW { drow[ox] = padValue } }
                        } else {
                            for ox in 0..<outW {
                                let ix = ox * g.strideW + dx
                                drow[ox] = (ix >= 0 && ix < width) ? srow[ix] : padValue
                            }
                        }
                    }
                    row += 1
                }
            }
        }
    }

    /// The adjoint of `unfold`: accumulates a column matrix back into an image (for the
    /// convolution's input gradient). Padding taps are dropped.
    public static func fold(cols: UnsafePointer<Float>, channels: Int, height: Int, width: Int,
                            geometry g: Conv2DGeometry, outH: Int, outW: Int,
                            into image: UnsafeMutablePointer<Float>) {
        let plane = outH * outW
        var row = 0
        for c in 0..<channels {
            let dstImg = image + c * height * width
            for ky in 0..<g.kernelH {
                for kx in 0..<g.kernelW {
                    let src = cols + row * plane
                    let dy = ky * g.dilationH - g.padTop
                    let dx = kx * g.dilationW - g.padLeft
                    for oy in 0..<outH {
                        let iy = oy * g.strideH + dy
                        if iy < 0 || iy >= height { continue }
                        let drow = dstImg + iy * width
                        let srow = src + oy * outW
                        if g.strideW == 1 {
                            // Contiguous run: the valid ox range maps to one stretch of the row.
                            let x0 = max(0, -dx), x1 = min(outW, width - dx)
                            if x1 > x0 {
                                let d = drow + dx, s = srow
                                for ox in x0..<x1 { d[ox] += s[ox] }
                            }
                        } else {
                            for ox in 0..<outW {
                                let ix = ox * g.strideW + dx
                                if ix >= 0 && ix < width { drow[ix] += srow[ox] }
                            }
                        }
                    }
                    row += 1
                }
            }
        }
    }
}
