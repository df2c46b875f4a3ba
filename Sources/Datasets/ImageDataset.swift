import Foundation
import TensorMath

/// A labelled set of images held in memory, NCHW, ready to be cut into float batches.
///
/// Images stay in pixel units (usually bytes) until ``batch(_:normalization:)`` is asked
/// for a range: 50 000 CIFAR images are 150 MB as bytes but 600 MB as floats, and the
/// search only ever looks at a batch at a time.
public struct ImageDataset: Sendable {
    /// Pixel values, count × channels × height × width, on the 0–255 scale.
    public let pixels: PixelStorage
    /// One class index per image.
    public let labels: [Int32]
    public let channels: Int
    public let height: Int
    public let width: Int
    /// Names of the classes, indexed by label, when the dataset says (or implies) them.
    public var classNames: [String]?
    /// What was loaded, for messages and reports (format, split and path).
    public var source: String

    /// Wraps pixels already in NCHW order. The sizes must agree (a programming error if not).
    public init(pixels: PixelStorage, labels: [Int32], channels: Int, height: Int, width: Int,
                classNames: [String]? = nil, source: String = "in-memory images") {
        precondition(channels > 0 && height > 0 && width > 0,
                     "ImageDataset: dimensions must be positive, got \(channels)×\(height)×\(width)")
        precondition(pixels.count == labels.count * channels * height * width,
                     "ImageDataset: \(pixels.count) pixel values for \(labels.count) images of \(channels)×\(height)×\(width)")
        self.pixels = pixels
        self.labels = labels
        self.channels = channels
        self.height = height
        self.width = width
        self.classNames = classNames
        self.source = source
    }

    /// Wraps 8-bit NCHW pixels.
    public init(images: [UInt8], labels: [Int32], channels: Int, height: Int, width: Int,
                classNames: [String]? = nil, source: String = "in-memory images") {
        self.init(pixels: .uint8(images), labels: labels, channels: channels, height: height, width: width,
                  classNames: classNames, source: source)
    }

    /// Number of images.
    public var count: Int { labels.count }
    /// Values per image (channels × height × width).
    public var imageSize: Int { channels * height * width }

    /// The pixels as bytes, NCHW. Free for 8-bit storage; float storage is rounded and
    /// clamped to 0...255 (use ``pixels`` to see the exact values).
    public var images: [UInt8] {
        switch pixels {
        case .uint8(let bytes):
            return bytes
        case .float(let values):
            return values.map { v in
                let r = v.rounded()
                return r <= 0 ? 0 : (r >= 255 ? 255 : UInt8(r))
            }
        }
    }

    /// Labels of the images in `range`.
    public func labels(_ range: Range<Int>) -> [Int32] {
        checkRange(range)
        return Array(labels[range])
    }

    /// The images in `range` as a float tensor `[n, C, H, W]` of `(pixel/255 − mean[c]) / std[c]`.
    ///
    /// `normalization` must have 1 or `channels` values per statistic; validate user input
    /// with ``Normalization/broadcast(to:)`` first to get an error instead of a trap.
    public func batch(_ range: Range<Int>, normalization: Normalization) -> Tensor {
        checkRange(range)
        let norm: Normalization
        do {
            norm = try normalization.broadcast(to: channels)
        } catch {
            preconditionFailure("ImageDataset.batch: \(error)")
        }
        // (x/255 − m) / s  ==  x · (1 / (255 s)) + (−m / s): one multiply-add per value.
        let scale = norm.std.map { 1 / (255 * $0) }
        let offset = zip(norm.mean, norm.std).map { -$0 / $1 }
        let plane = height * width
        let total = range.count * imageSize
        let start = range.lowerBound * imageSize
        let channels = self.channels

        let data = [Float](unsafeUninitializedCapacity: total) { out, initialized in
            guard let dst = out.baseAddress, total > 0 else { initialized = 0; return }
            func fill<T>(_ src: UnsafePointer<T>, _ convert: (T) -> Float) {
                var o = 0
                var s = start
                for _ in 0..<range.count {
                    for c in 0..<channels {
                        let a = scale[c], b = offset[c]
                        for k in 0..<plane {
                            dst[o + k] = convert(src[s + k]) * a + b
                        }
                        o += plane
                        s += plane
                    }
                }
            }
            switch pixels {
            case .uint8(let bytes):
                bytes.withUnsafeBufferPointer { fill($0.baseAddress!, { Float($0) }) }
            case .float(let values):
                values.withUnsafeBufferPointer { fill($0.baseAddress!, { $0 }) }
            }
            initialized = total
        }
        return Tensor(shape: [range.count, channels, height, width], data: data)
    }

    /// The images at `indices`, in that order (repeats allowed).
    public func subset(_ indices: [Int]) -> ImageDataset {
        for i in indices {
            precondition(i >= 0 && i < count, "ImageDataset.subset: index \(i) out of 0..<\(count)")
        }
        let newLabels = indices.map { labels[$0] }
        let newPixels: PixelStorage
        switch pixels {
        case .uint8(let bytes): newPixels = .uint8(Self.gather(bytes, imageSize: imageSize, indices: indices))
        case .float(let values): newPixels = .float(Self.gather(values, imageSize: imageSize, indices: indices))
        }
        return ImageDataset(pixels: newPixels, labels: newLabels, channels: channels, height: height,
                            width: width, classNames: classNames, source: source)
    }

    /// The first `n` images (all of them when `n >= count`).
    public func prefix(_ n: Int) -> ImageDataset {
        precondition(n >= 0, "ImageDataset.prefix: n must be >= 0")
        let k = min(n, count)
        if k == count { return self }
        let newPixels: PixelStorage
        switch pixels {
        case .uint8(let bytes): newPixels = .uint8(Array(bytes[0..<(k * imageSize)]))
        case .float(let values): newPixels = .float(Array(values[0..<(k * imageSize)]))
        }
        return ImageDataset(pixels: newPixels, labels: Array(labels[0..<k]), channels: channels,
                            height: height, width: width, classNames: classNames, source: source)
    }

    /// The same images in a seeded random order, identical on every platform
    /// (see ``SplitMix64/permutation(count:seed:)``).
    public func shuffled(seed: UInt64) -> ImageDataset {
        subset(SplitMix64.permutation(count: count, seed: seed))
    }

    private func checkRange(_ range: Range<Int>) {
        precondition(range.lowerBound >= 0 && range.upperBound <= count,
                     "ImageDataset: range \(range) out of 0..<\(count)")
    }

    /// Copies whole images, one block copy each.
    private static func gather<T>(_ source: [T], imageSize: Int, indices: [Int]) -> [T] {
        let total = indices.count * imageSize
        return [T](unsafeUninitializedCapacity: total) { out, initialized in
            source.withUnsafeBufferPointer { src in
                guard let dst = out.baseAddress, let base = src.baseAddress else { return }
                for (slot, index) in indices.enumerated() {
                    (dst + slot * imageSize).initialize(from: base + index * imageSize, count: imageSize)
                }
            }
            initialized = total
        }
    }
}

extension ImageDataset: CustomStringConvertible {
    public var description: String {
        "\(source): \(count) images of \(channels)×\(height)×\(width)"
    }
}
