/// The on-disk layouts the loader understands.
///
/// The raw values are what a user types (`--format cifar10`); `CaseIterable` lets the CLI
/// list them in its help text without repeating the names.
public enum DatasetFormat: String, CaseIterable, Sendable {
    /// CIFAR-10 binary batches: records of 1 label byte + 3×32×32 planar pixel bytes.
    case cifar10
    /// IDX files (MNIST, Fashion-MNIST), plain or gzip'd.
    case idx
    /// NumPy `.npy` arrays: one file of images, one of labels.
    case npy

    /// A human name for messages.
    var displayName: String {
        switch self {
        case .cifar10: return "CIFAR-10"
        case .idx: return "IDX"
        case .npy: return "NPY"
        }
    }
}
