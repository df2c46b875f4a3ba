/// The geometry of a 2-D convolution or pooling window over NCHW data.
///
/// One value describes kernel size, strides, dilations and explicit padding
/// (`padTop, padLeft, padBottom, padRight`, as ONNX orders them: begins then ends), so
/// convolution, im2col and pooling share a single output-size formula.
public struct Conv2DGeometry: Sendable, Equatable {
    public var kernelH: Int, kernelW: Int
    public var strideH: Int, strideW: Int
    public var dilationH: Int, dilationW: Int
    public var padTop: Int, padLeft: Int, padBottom: Int, padRight: Int
    /// ONNX `auto_pad`: SAME_* padding depends on the input size, so it is resolved per call.
    public var autoPad: AutoPad = .explicit

    public enum AutoPad: Sendable, Equatable { case explicit, sameUpper, sameLower }

    public init(kernelH: Int, kernelW: Int, strideH: Int = 1, strideW: Int = 1,
                dilationH: Int = 1, dilationW: Int = 1,
                padTop: Int = 0, padLeft: Int = 0, padBottom: Int = 0, padRight: Int = 0) {
        self.kernelH = kernelH; self.kernelW = kernelW
        self.strideH = strideH; self.strideW = strideW
        self.dilationH = dilationH; self.dilationW = dilationW
        self.padTop = padTop; self.padLeft = padLeft; self.padBottom = padBottom; self.padRight = padRight
    }

    /// Output spatial size; `ceilMode` rounds the last partial window up (pooling only),
    /// dropping a window that would start entirely inside the end padding, as ONNX does.
    /// The geometry with SAME_* padding turned into explicit pads for this input size.
    public func resolved(height: Int, width: Int) -> Conv2DGeometry {
        guard autoPad != .explicit else { return self }
        func total(_ input: Int, _ k: Int, _ s: Int, _ d: Int) -> Int {
            let out = (input + s - 1) / s
            return max(0, (out - 1) * s + d * (k - 1) + 1 - input)
        }
        var g = self
        g.autoPad = .explicit
        let th = total(height, kernelH, strideH, dilationH), tw = total(width, kernelW, strideW, dilationW)
        let upper = autoPad == .sameUpper
        g.padTop = upper ? th / 2 : th - th / 2; g.padBottom = th - g.padTop
        g.padLeft = upper ? tw / 2 : tw - tw / 2; g.padRight = tw - g.padLeft
        return g
    }

    public func outputSize(height: Int, width: Int, ceilMode: Bool = false) -> (h: Int, w: Int) {
        if autoPad != .explicit { return resolved(height: height, width: width).outputSize(height: height, width: width, ceilMode: ceilMode) }
        func out(_ input: Int, _ k: Int, _ s: Int, _ d: Int, _ p0: Int, _ p1: Int) -> Int {
            let span = d * (k - 1) + 1
            let numer = input + p0 + p1 - span
            if numer < 0 { return 0 }
            var o = (ceilMode ? (numer + s - 1) / s : numer / s) + 1
            if ceilMode && (o - 1) * s >= input + p0 { o -= 1 }
            return o
        }
        return (out(height, kernelH, strideH, dilationH, padTop, padBottom),
                out(width, kernelW, strideW, dilationW, padLeft, padRight))
    }
}
