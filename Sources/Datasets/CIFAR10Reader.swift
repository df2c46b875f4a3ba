import Foundation

/// Reads the CIFAR-10 binary version.
///
/// Each file is a run of 3073-byte records: one label byte (0–9), then 1024 red, 1024 green
/// and 1024 blue bytes, each plane row-major 32×32. That is already NCHW per image, so a
/// record's pixels are copied as one block. Train is `data_batch_1.bin` … `data_batch_5.bin`
/// in that order (50 000 images); test is `test_batch.bin` (10 000).
enum CIFAR10Reader {
    static let imageBytes = 3 * 32 * 32
    static let recordBytes = 1 + imageBytes
    static let classCount = 10

    /// The batch files of `split` inside `directory`, in loading order.
    static func files(in directory: String, split: DatasetSplit) -> [String] {
        switch split {
        case .train: return (1...5).map { FileBytes.join(directory, "data_batch_\($0).bin") }
        case .test: return [FileBytes.join(directory, "test_batch.bin")]
        }
    }

    /// Loads `files` in order, stopping once `limit` images are read. Class names come from
    /// `batches.meta.txt` beside the first file, else the standard CIFAR-10 names.
    static func load(files: [String], limit: Int?, source: String) throws -> ImageDataset {
        precondition(!files.isEmpty)
        // Check every size before reading anything, so a bad file fails fast.
        var recordCounts: [Int] = []
        for file in files {
            let size = try FileBytes.size(file)
            guard size > 0 else { throw DatasetError(file, "file is empty") }
            guard size % recordBytes == 0 else {
                throw DatasetError(file, "size \(size) is not a multiple of the \(recordBytes)-byte CIFAR-10 record")
            }
            recordCounts.append(size / recordBytes)
        }
        let available = recordCounts.reduce(0, +)
        let total = min(available, limit ?? available)

        var images = [UInt8](repeating: 0, count: total * imageBytes)
        var labels = [Int32](repeating: 0, count: total)
        var filled = 0
        for (file, records) in zip(files, recordCounts) where filled < total {
            let take = min(records, total - filled)
            let bytes = try FileBytes.read(file)
            guard bytes.count == records * recordBytes else {
                throw DatasetError(file, "file changed size while being read")
            }
            for r in 0..<take {
                let label = bytes[r * recordBytes]
                guard Int(label) < classCount else {
                    throw DatasetError(file, "record \(r) has label \(label) (CIFAR-10 labels are 0–9)")
                }
                labels[filled + r] = Int32(label)
            }
            bytes.withUnsafeBufferPointer { src in
                images.withUnsafeMutableBufferPointer { dst in
                    for r in 0..<take {
                        (dst.baseAddress! + (filled + r) * imageBytes)
                            .update(from: src.baseAddress! + r * recordBytes + 1, count: imageBytes)
                    }
                }
            }
            filled += take
        }

        let meta = FileBytes.join(FileBytes.parent(files[0]), "batches.meta.txt")
        let names = try ClassNames.read(meta) ?? ClassNames.cifar10
        return ImageDataset(images: images, labels: labels, channels: 3, height: 32, width: 32,
                            classNames: names, source: source)
    }
}
