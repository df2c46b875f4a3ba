import Foundation

/// Reads IDX files, the MNIST / Fashion-MNIST format, plain or gzip'd.
///
/// An IDX file starts with a big-endian magic `0x0000TTNN` (TT = element type, 0x08 for
/// unsigned bytes; NN = number of dimensions), then NN big-endian UInt32 sizes, then the
/// data row-major. Images are `0x00000803` (count, rows, cols); labels `0x00000801`
/// (count). Both headers are read and cross-checked before any pixel data, so a mismatched
/// pair fails without inflating 47 MB.
enum IDXReader {
    static let unsignedByteType: UInt8 = 0x08
    /// Refuse headers that promise more than this many bytes: a corrupt header would
    /// otherwise send us reserving absurd amounts of memory.
    static let maxPayloadBytes = 1 << 34

    /// Finds `{prefix}-images-idx3-ubyte[.gz]` (or the `images.idx3-ubyte` spelling) for
    /// the split; test data is `t10k-…` (or `test-…`).
    static func imageFile(in directory: String, split: DatasetSplit) -> String? {
        let prefixes = split == .train ? ["train"] : ["t10k", "test"]
        for prefix in prefixes {
            for stem in ["-images-idx3-ubyte", "-images.idx3-ubyte"] {
                for ext in ["", ".gz"] {
                    let path = FileBytes.join(directory, prefix + stem + ext)
                    if FileBytes.kind(path) == .file { return path }
                }
            }
        }
        return nil
    }

    /// The label file that pairs with an image file: `images`→`labels`, `idx3`→`idx1`,
    /// with or without `.gz`. Returns the preferred spelling when none exists, for the error.
    static func labelFile(for imagePath: String) -> (path: String, exists: Bool) {
        let directory = FileBytes.parent(imagePath)
        var name = FileBytes.name(imagePath)
        if name.hasSuffix(".gz") { name.removeLast(3) }
        let base = name.replacingOccurrences(of: "images", with: "labels")
            .replacingOccurrences(of: "idx3", with: "idx1")
        let candidates = [base, base + ".gz"].map { FileBytes.join(directory, $0) }
        if let found = candidates.first(where: { FileBytes.kind($0) == .file }) { return (found, true) }
        return (candidates[imagePath.hasSuffix(".gz") ? 1 : 0], false)
    }

    static func load(imagePath: String, limit: Int?, source: String) throws -> ImageDataset {
        let (labelPath, exists) = labelFile(for: imagePath)
        guard exists else {
            throw DatasetError(labelPath, "label file not found (needed for \(FileBytes.name(imagePath)))")
        }
        let imageReader = try GzipFileReader(path: imagePath)
        let labelReader = try GzipFileReader(path: labelPath)
        let imageDims = try readHeader(imageReader, expectedRank: 3, kind: "image")
        let labelDims = try readHeader(labelReader, expectedRank: 1, kind: "label")

        let (count, rows, cols) = (imageDims[0], imageDims[1], imageDims[2])
        guard labelDims[0] == count else {
            throw DatasetError(labelPath, "\(labelDims[0]) labels but \(FileBytes.name(imagePath)) has \(count) images")
        }
        guard count > 0 else { throw DatasetError(imagePath, "file holds no images") }
        guard rows > 0, cols > 0 else { throw DatasetError(imagePath, "image size \(rows)×\(cols) is empty") }
        let take = min(count, limit ?? count)
        let (perImage, overflow1) = rows.multipliedReportingOverflow(by: cols)
        let (bytes, overflow2) = take.multipliedReportingOverflow(by: perImage)
        guard !overflow1, !overflow2, bytes <= maxPayloadBytes else {
            throw DatasetError(imagePath, "header claims \(count) images of \(rows)×\(cols), which is implausibly large")
        }

        let rawLabels = try labelReader.read(take, what: "label data")
        let images = try imageReader.read(bytes, what: "image data")
        let labels = rawLabels.map { Int32($0) }
        let maxLabel = rawLabels.max() ?? 0

        let names: [String]?
        if maxLabel > 9 {
            names = nil
        } else if imagePath.lowercased().contains("fashion") {
            names = ClassNames.fashionMNIST
        } else {
            names = ClassNames.digits
        }
        return ImageDataset(images: images, labels: labels, channels: 1, height: rows, width: cols,
                            classNames: names, source: source)
    }

    /// Reads and checks the magic and dimensions; returns the sizes.
    private static func readHeader(_ reader: GzipFileReader, expectedRank: Int, kind: String) throws -> [Int] {
        let magicBytes = try reader.read(4, what: "IDX header")
        let magic = magicBytes.bigEndianUInt32(at: 0)
        let expected = UInt32(unsignedByteType) << 8 | UInt32(expectedRank)
        guard magic == expected else {
            let hex = { (v: UInt32) in "0x" + String(repeating: "0", count: 8 - String(v, radix: 16).count) + String(v, radix: 16) }
            throw DatasetError(reader.path, "bad IDX magic \(hex(magic)) (expected \(hex(expected)) for a \(kind) file)")
        }
        let dims = try reader.read(4 * expectedRank, what: "IDX header")
        return (0..<expectedRank).map { Int(dims.bigEndianUInt32(at: 4 * $0)) }
    }
}
