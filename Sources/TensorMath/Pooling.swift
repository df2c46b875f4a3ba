/// Max and average pooling over NCHW tensors.
public enum Pooling {
    /// Max pooling; padded taps never win (they are skipped, as ONNX specifies).
    public static func max(_ x: Tensor, geometry g: Conv2DGeometry, ceilMode: Bool = false) -> Tensor {
        let g = g.resolved(height: x.shape[2], width: x.shape[3])
        return pool(x, g, ceilMode) { src, h, w, y0, x0 in
            var m = -Float.infinity
            for ky in 0..<g.kernelH {
                let iy = y0 + ky * g.dilationH
                if iy < 0 || iy >= h { continue }
                for kx in 0..<g.kernelW {
                    let ix = x0 + kx * g.dilationW
                    if ix < 0 || ix >= w { continue }
                    m = Swift.max(m, src[iy * w + ix])
                }
            }
            return m
        }
    }

    /// Average pooling. `countIncludePad` divides by the full window (clipped to the padded
    /// extent) instead of the number of in-image taps.
    public static func average(_ x: Tensor, geometry g: Conv2DGeometry, ceilMode: Bool = false,
                               countIncludePad: Bool = false) -> Tensor {
        let (h, w) = (x.shape[2], x.shape[3])
        let g = g.resolved(height: h, width: w)
        return pool(x, g, ceilMode) { src, h_, w_, y0, x0 in
            var s: Float = 0
            var n = 0
            for ky in 0..<g.kernelH {
                let iy = y0 + ky
                if iy < 0 || iy >= h { continue }
                for kx in 0..<g.kernelW {
                    let ix = x0 + kx
                    if ix < 0 || ix >= w { continue }
                    s += src[iy * w + ix]; n += 1
                }
            }
            if countIncludePad {
                // Window clipped to the padded input extent (taps beyond it never count).
                let yEnd = Swift.min(y0 + g.kernelH, h + g.padBottom), xEnd = Swift.min(x0 + g.kernelW, w + g.padRight)
                n = (yEnd - y0) * (xEnd - x0)
            }
            return n > 0 ? s / Float(n) : 0
        }
    }

    /// Mean over each H×W plane → [N, C, 1, 1].
    public static func globalAverage(_ x: Tensor) -> Tensor {
        let (n, c) = (x.shape[0], x.shape[1])
        let plane = x.shape.dropFirst(2).reduce(1, *)
        var out = Tensor(zeros: [n, c] + [Int](repeating: 1, count: x.rank - 2))
        x.data.withUnsafeBufferPointer { src in
            out.data.withUnsafeMutableBufferPointer { dst in
                for i in 0..<(n * c) {
                    var s: Float = 0
                    let p = src.baseAddress! + i * plane
                    for j in 0..<plane { s += p[j] }
                    dst[i] = s / Float(plane)
                }
            }
        }
        return out
    }

    private static func pool(_ x: Tensor, _ g: Conv2DGeometry, _ ceilMode: Bool,
                             _ window: (UnsafePointer<Float>, Int, Int, Int, Int) -> Float) -> Tensor {
        let (n, c, h, w) = (x.shape[0], x.shape[1], x.shape[2], x.shape[3])
        let g = g.resolved(height: h, width: w)
        let (oh, ow) = g.outputSize(height: h, width: w, ceilMode: ceilMode)
        var out = Tensor(zeros: [n, c, oh, ow])
        x.data.withUnsafeBufferPointer { src in
            out.data.withUnsafeMutableBufferPointer { dst in
                for plane in 0..<(n * c) {
                    let s = src.baseAddress! + plane * h * w
                    let d = dst.baseAddress! + plane * oh * ow
                    for oy in 0..<oh {
                        for ox in 0..<ow {
                            d[oy * ow + ox] = window(s, h, w, oy * g.strideH - g.padTop, ox * g.strideW - g.padLeft)
                        }
                    }
                }
            }
        }
        return out
    }
}
