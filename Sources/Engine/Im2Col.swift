import CKernels

/// Geometry of a 2-D convolution lowered to GEMM: one CHW image of 8-bit codes becomes
/// X[rows x cols] with rows = C*KH*KW (r = (c*KH + i)*KW + j) and cols = OH*OW; taps
/// outside the image are filled with the activation zero-point (real value 0).
public struct Im2Col: Sendable, Equatable {
    public let channels: Int, height: Int, width: Int
    public let kernelH: Int, kernelW: Int
    public let strideH: Int, strideW: Int
    public let padH: Int, padW: Int
    public let dilationH: Int, dilationW: Int

    public init(channels: Int, height: Int, width: Int, kernel: (Int, Int), stride: (Int, Int) = (1, 1),
                padding: (Int, Int) = (0, 0), dilation: (Int, Int) = (1, 1)) {
        precondition(kernel.0 > 0 && kernel.1 > 0 && stride.0 > 0 && stride.1 > 0 && dilation.0 > 0 && dilation.1 > 0,
                     "Im2Col: kernel, stride and dilation must be positive")
        self.channels = channels
        self.height = height
        self.width = width
        (kernelH, kernelW) = kernel
        (strideH, strideW) = stride
        (padH, padW) = padding
        (dilationH, dilationW) = dilation
        precondition(height + 2 * padH >= dilationH * (kernelH - 1) + 1 && width + 2 * padW >= dilationW * (kernelW - 1) + 1,
                     "Im2Col: kernel larger than padded input")
    }

    public var outH: Int { (height + 2 * padH - dilationH * (kernelH - 1) - 1) / strideH + 1 }
    public var outW: Int { (width + 2 * padW - dilationW * (kernelW - 1) - 1) / strideW + 1 }
    /// K of the GEMM.
    public var rows: Int { channels * kernelH * kernelW }
    /// Columns per image (N = batch * cols when images are laid side by side).
    public var cols: Int { outH * outW }

    /// Writes one image's columns into `out` (row stride `ldo` >= cols; pass a column
    /// offset in `out` to place several images side by side).
    public func run(_ image: UnsafePointer<UInt8>, padValue: UInt8, out: UnsafeMutablePointer<UInt8>, ldo: Int) {
        bb_im2col_u8(image, channels, height, width, kernelH, kernelW, strideH, strideW, padH, padW,
                     dilationH, dilationW, padValue, out, ldo)
    }

    public func callAsFunction(_ image: [UInt8], padValue: UInt8, reference: Bool = false) -> [UInt8] {
        precondition(image.count == channels * height * width, "Im2Col: \(image.count) codes for \(channels)x\(height)x\(width)")
        var out = [UInt8](repeating: 0, count: rows * cols)
        guard !out.isEmpty else { return out }
        image.withUnsafeBufferPointer { ip in
            out.withUnsafeMutableBufferPointer { op in
                (reference ? bb_im2col_u8_ref : bb_im2col_u8)(ip.baseAddress, channels, height, width, kernelH, kernelW,
                                                              strideH, strideW, padH, padW, dilationH, dilationW,
                                                              padValue, op.baseAddress, cols)
            }
        }
        return out
    }
}
