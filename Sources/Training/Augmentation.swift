import Datasets
import TensorMath

/// Seeded train-time augmentation on a normalized NCHW batch: random crop of the image
/// padded by `pad` pixels (padding reads pixel value 0, i.e. `−mean/std` after
/// normalization) and a horizontal flip with probability ½.
public struct Augmentation: Sendable, Equatable {
    public var pad: Int
    public var flip: Bool

    public init(pad: Int = 2, flip: Bool = true) { self.pad = pad; self.flip = flip }

    /// Augments `x` in place; the draw for image i comes from `rng` in image order.
    public func apply(_ x: inout Tensor, normalization: Normalization, rng: inout SplitMix64) {
        let (n, c, h, w) = (x.shape[0], x.shape[1], x.shape[2], x.shape[3])
        let fill = (0..<c).map { ch -> Float in
            let m = normalization.mean.count == 1 ? normalization.mean[0] : normalization.mean[ch]
            let s = normalization.std.count == 1 ? normalization.std[0] : normalization.std[ch]
            return -m / s
        }
        var tmp = [Float](repeating: 0, count: h * w)
        for img in 0..<n {
            let dy = pad > 0 ? rng.nextIndex(below: 2 * pad + 1) - pad : 0
            let dx = pad > 0 ? rng.nextIndex(below: 2 * pad + 1) - pad : 0
            let mirror = flip && rng.nextIndex(below: 2) == 1
            if dy == 0 && dx == 0 && !mirror { continue }
            for ch in 0..<c {
                let base = (img * c + ch) * h * w
                for i in 0..<(h * w) { tmp[i] = x.data[base + i] }
                for oy in 0..<h {
                    let iy = oy + dy
                    for ox in 0..<w {
                        let sx = mirror ? w - 1 - ox : ox
                        let ix = sx + dx
                        x.data[base + oy * w + ox] = (iy >= 0 && iy < h && ix >= 0 && ix < w) ? tmp[iy * w + ix] : fill[ch]
                    }
                }
            }
        }
    }
}
