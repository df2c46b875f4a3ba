import Foundation

/// Class-name lists the loaders attach to datasets, so reports can say "cat" instead of 3.
enum ClassNames {
    static let cifar10 = ["airplane", "automobile", "bird", "cat", "deer",
                          "dog", "frog", "horse", "ship", "truck"]
    static let fashionMNIST = ["T-shirt/top", "Trouser", "Pullover", "Dress", "Coat",
                               "Sandal", "Shirt", "Sneaker", "Bag", "Ankle boot"]
    static let digits = (0...9).map(String.init)

    /// Non-empty, trimmed lines of a text file (CIFAR's `batches.meta.txt`, `classes.txt`),
    /// or nil when the file is absent or holds no names.
    static func read(_ path: String) throws -> [String]? {
        guard FileBytes.kind(path) == .file else { return nil }
        let bytes = try FileBytes.read(path)
        guard let text = String(bytes: bytes, encoding: .utf8) else {
            throw DatasetError(path, "class-name file is not UTF-8 text")
        }
        let names = text.split(whereSeparator: \.isNewline)
            .map { $0.trimmingCharacters(in: .whitespaces) }
            .filter { !$0.isEmpty }
        return names.isEmpty ? nil : names
    }
}
