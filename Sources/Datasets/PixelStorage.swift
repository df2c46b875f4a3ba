/// The pixel values of an ``ImageDataset``, NCHW, in pixel units (0–255 scale).
///
/// Most datasets ship 8-bit pixels, and keeping them as bytes costs a quarter of the
/// memory of floats. `.npy` files may hold float32 images, though, and rounding those to
/// bytes would change what the model sees. Both cases use the same 0–255 units so that
/// ``Normalization`` means the same thing whatever the storage.
public enum PixelStorage: Sendable, Equatable {
    /// 8-bit pixels.
    case uint8([UInt8])
    /// Float pixels on the 0–255 scale (float images in [0, 1] are multiplied by 255 on load).
    case float([Float])

    /// Number of stored values (images × channels × height × width).
    public var count: Int {
        switch self {
        case .uint8(let values): return values.count
        case .float(let values): return values.count
        }
    }
}
