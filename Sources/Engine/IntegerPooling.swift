import CKernels

/// Integer average pooling on uint8 CHW images; the output keeps the input's scale and
/// zero-point. Each output is (S + cnt/2) / cnt with S the sum of the window's in-bounds
/// codes and cnt their number (padding excluded): round half up.
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
}
