import CKernels
import TensorMath

/// Integer average and max pooling on uint8 CHW images; the output keeps the input's scale
/// and zero-point. Average: each output is (S + cnt/2) / cnt with S the sum of the window's
/// in-bounds codes and cnt their number (padding excluded): round half up. Max: the largest
/// in-bounds code — exact, since dequantization is increasing in the code.
public enum IntegerPooling {
    public static func outputSize(_ size: Int, kernel: Int, stride: Int, padding: Int) -> Int {
        (size + 2 * padding - kernel) / stride + 1
    }

    /// Returns `channels x oh x ow` codes.
    public static func averagePool(_ x: [UInt8], channels: Int, height: Int, width: Int,
                                   kernel: (Int, Int), stride: (Int, Int), padding: (Int, Int) = (0, 0)) -> [UInt8] {
        precondition(x.count == channels * height * width, "averagePool: \(x.count) codes for \(channels)x\(height)x\(width)")
        precondition(kernel.0 > 0 && kernel.1 > 0 && stride.0 > 0 && stride.1 > 0, "averagePool: kernel/stride must be positive")
        precondition(kernel.0 <= height + 2 * padding.0 && kernel.1 <= width + 2 * padding.1, "averagePool: kernel larger than padded input")
        let oh = outputSize(height, kernel: kernel.0, stride: stride.0, padding: padding.0)
        let ow = outputSize(width, kernel: kernel.1, stride: stride.1, padding: padding.1)
        var out = [UInt8](repeating: 0, count: channels * oh * ow)
        guard !out.isEmpty else { return out }
        x.withUnsafeBufferPointer { xp in
            out.withUnsafeMutableBufferPointer { op in
                bb_avgpool_u8(xp.baseAddress, channels, height, width, kernel.0, kernel.1, stride.0, stride.1,
                              padding.0, padding.1, op.baseAddress)
            }
        }
        return out
    }

    /// Global average pooling: one code per channel.
    public static func globalAveragePool(_ x: [UInt8], channels: Int, height: Int, width: Int) -> [UInt8] {
        averagePool(x, channels: channels, height: height, width: width, kernel: (height, width), stride: (1, 1))
    }

    /// Max pooling with the float `Pooling.max` geometry (`auto_pad` resolved, pads begin/end,
    /// `ceilMode`); padded taps never win (ONNX pads with −∞), so the result is the codes of
    /// `Pooling.max` on the dequantized image. Returns `channels x oh x ow` codes. Dilation
    /// must be 1 and every pad smaller than its kernel side (so no window is all padding).
    public static func maxPool(_ x: [UInt8], channels: Int, height: Int, width: Int,
                               geometry: Conv2DGeometry, ceilMode: Bool = false) -> [UInt8] {
        precondition(x.count == channels * height * width, "maxPool: \(x.count) codes for \(channels)x\(height)x\(width)")
        let g = geometry.resolved(height: height, width: width)
        precondition(g.dilationH == 1 && g.dilationW == 1, "maxPool: dilation must be 1")
        precondition(g.kernelH > 0 && g.kernelW > 0 && g.strideH > 0 && g.strideW > 0, "maxPool: kernel/stride must be positive")
        precondition(max(g.padTop, g.padBottom) < g.kernelH && max(g.padLeft, g.padRight) < g.kernelW, "maxPool: pads must be smaller than the kernel")
        let (oh, ow) = g.outputSize(height: height, width: width, ceilMode: ceilMode)
        var out = [UInt8](repeating: 0, count: channels * oh * ow)
        guard !out.isEmpty else { return out }
        x.withUnsafeBufferPointer { xp in
            out.withUnsafeMutableBufferPointer { op in
                bb_maxpool_u8(xp.baseAddress, channels, height, width, g.kernelH, g.kernelW, g.strideH, g.strideW,
                              g.padTop, g.padLeft, oh, ow, op.baseAddress)
            }
        }
        return out
    }
}
