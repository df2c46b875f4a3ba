import Foundation

/// The one entry point for reading a dataset from disk.
///
/// The CLI takes a path and maybe a `--format`; this type works out what is there, picks
/// the files for the split and hands them to the reader for that format. A path may be a
/// directory (the usual case) or a single file: a CIFAR-10 batch, an IDX image file (its
/// label file is found beside it) or a `.npy` image array (likewise).
public enum DatasetLoader {
    /// What the loader looks for, for "nothing found" messages.
    static let expectation = "expected CIFAR-10 *_batch.bin, IDX *-idx3-ubyte[.gz] or .npy files"

    /// Guesses the format from the files present (or from the name, for a single file).
    ///
    /// In a directory, `*_batch*.bin` means CIFAR-10, `*idx3-ubyte[.gz]` IDX and `*.npy`
    /// NPY; when several are present that order decides.
    public static func detectFormat(directory path: String) throws -> DatasetFormat {
        switch FileBytes.kind(path) {
        case .missing:
            throw DatasetError(path, "no such file or directory")
        case .file:
            if let format = format(ofFileNamed: FileBytes.name(path)) { return format }
            throw DatasetError(path, "cannot tell the dataset format from the file name (\(expectation))")
        case .directory:
            let names = try FileBytes.contents(ofDirectory: path)
            for format in DatasetFormat.allCases where names.contains(where: { Self.format(ofFileNamed: $0) == format }) {
                return format
            }
            throw DatasetError(path, "no dataset found (\(expectation))")
        }
    }

    /// Loads `split` from `path` (a directory, or a single file where that makes sense).
    ///
    /// - Parameters:
    ///   - format: the on-disk format; nil to detect it with ``detectFormat(directory:)``.
    ///   - limit: read at most this many images (the first ones, in file order).
    ///   - layout: for `.npy` rank-4 images, overrides the NCHW/NHWC guess.
    public static func load(directory path: String, format: DatasetFormat? = nil, split: DatasetSplit,
                            limit: Int? = nil, layout: ImageLayout? = nil) throws -> ImageDataset {
        if let limit, limit < 1 {
            throw DatasetError("limit", "must be at least 1, got \(limit)")
        }
        let format = try format ?? detectFormat(directory: path)
        let kind = FileBytes.kind(path)
        guard kind != .missing else { throw DatasetError(path, "no such file or directory") }
        let isFile = kind == .file
        let source = "\(format.displayName) \(split.rawValue) from \(path)"

        switch format {
        case .cifar10:
            let files = isFile ? [path] : CIFAR10Reader.files(in: path, split: split)
            for file in files where FileBytes.kind(file) != .file {
                throw DatasetError(file, "CIFAR-10 batch file not found")
            }
            return try CIFAR10Reader.load(files: files, limit: limit, source: source)

        case .idx:
            let imagePath: String
            if isFile {
                imagePath = path
            } else if let found = IDXReader.imageFile(in: path, split: split) {
                imagePath = found
            } else {
                let prefix = split == .train ? "train" : "t10k"
                throw DatasetError(path, "no IDX \(split.rawValue) images found (expected \(prefix)-images-idx3-ubyte[.gz])")
            }
            return try IDXReader.load(imagePath: imagePath, limit: limit, source: source)

        case .npy:
            let files = isFile
                ? (images: path, labels: NPYReader.labelFile(forImages: path, split: split))
                : try NPYReader.files(in: path, split: split)
            return try NPYReader.load(imagePath: files.images, labelPath: files.labels, limit: limit,
                                      layout: layout, source: source)
        }
    }

    /// The format a file name suggests, if any.
    static func format(ofFileNamed name: String) -> DatasetFormat? {
        if name.hasSuffix(".bin") && name.contains("_batch") { return .cifar10 }
        if name.hasSuffix("idx3-ubyte") || name.hasSuffix("idx3-ubyte.gz") { return .idx }
        if name.hasSuffix(".npy") { return .npy }
        return nil
    }
}
