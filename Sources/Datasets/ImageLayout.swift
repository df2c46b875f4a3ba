/// How the axes of a rank-4 image array are ordered on disk.
///
/// Only `.npy` files need this: CIFAR-10 and IDX have fixed layouts. The loader guesses
/// (channels-last when the last axis is 1, 3 or 4 and the second is not); this type lets a
/// user override the guess when it is wrong, e.g. for 3×3 or 4×4 toy images.
public enum ImageLayout: String, CaseIterable, Sendable {
    /// count × channels × height × width (PyTorch).
    case nchw = "NCHW"
    /// count × height × width × channels (TensorFlow, NumPy image stacks).
    case nhwc = "NHWC"

    /// Parses `NCHW` / `NHWC`, ignoring case.
    public init(parsing text: String) throws {
        guard let layout = ImageLayout(rawValue: text.uppercased()) else {
            throw DatasetError("layout '\(text)'", "unknown image layout (expected NCHW or NHWC)")
        }
        self = layout
    }
}
