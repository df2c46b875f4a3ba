import Foundation

/// Builds an ``ImageDataset`` from a `.npy` image array and a `.npy` label array.
///
/// Images: uint8 (`|u1`/`<u1`) or little-endian float32 (`<f4`), C order, shaped
/// `[N, H, W]` (grayscale), `[N, C, H, W]` or `[N, H, W, C]`. Without an explicit
/// ``ImageLayout`` a rank-4 array is taken as channels-last when its last axis is 1, 3 or 4
/// and its second is not. Float images are taken to be in [0, 1] and scaled by 255 unless
/// their maximum exceeds 1.5, in which case they are already on the 0–255 scale.
/// Labels: any little-endian integer dtype, shaped `[N]` or `[N, 1]`, values ≥ 0.
enum NPYReader {
    /// Above this maximum, float images are taken as 0–255 rather than 0–1.
    static let floatPixelScaleThreshold: Float = 1.5

    /// Image/label file-name pairs tried in a directory, in order.
    static func namePairs(split: DatasetSplit) -> [(images: String, labels: String)] {
        let s = split.rawValue
        return [("\(s)_images.npy", "\(s)_labels.npy"), ("x_\(s).npy", "y_\(s).npy"), ("images.npy", "labels.npy")]
    }

    /// The images file for `split` in `directory` and its expected labels file.
    static func files(in directory: String, split: DatasetSplit) throws -> (images: String, labels: String) {
        for pair in namePairs(split: split) {
            let images = FileBytes.join(directory, pair.images)
            if FileBytes.kind(images) == .file { return (images, FileBytes.join(directory, pair.labels)) }
        }
        let expected = namePairs(split: split).map { "\($0.images) + \($0.labels)" }.joined(separator: ", ")
        throw DatasetError(directory, "no .npy \(split.rawValue) split found (expected \(expected))")
    }

    /// The labels file for an images file given directly: `…images…` → `…labels…`,
    /// `x_…` → `y_…`, else `{split}_labels.npy` or `labels.npy` beside it.
    static func labelFile(forImages imagePath: String, split: DatasetSplit) -> String {
        let directory = FileBytes.parent(imagePath)
        let name = FileBytes.name(imagePath)
        var candidates: [String] = []
        if name.contains("images") { candidates.append(name.replacingOccurrences(of: "images", with: "labels")) }
        if name.hasPrefix("x_") { candidates.append("y_" + name.dropFirst(2)) }
        if name.hasPrefix("X_") { candidates.append("y_" + name.dropFirst(2)) }
        candidates += ["\(split.rawValue)_labels.npy", "labels.npy"]
        let paths = candidates.map { FileBytes.join(directory, $0) }
        return paths.first(where: { FileBytes.kind($0) == .file }) ?? paths[0]
    }

    static func load(imagePath: String, labelPath: String, limit: Int?, layout: ImageLayout?,
                     source: String) throws -> ImageDataset {
        try FileBytes.requireFile(labelPath, what: "label file")
        let imageArray = try NPYArray(path: imagePath)
        let labelArray = try NPYArray(path: labelPath)

        guard imageArray.dtype.isUInt8 || imageArray.dtype.isFloat32 else {
            throw DatasetError(imagePath, "unsupported dtype '\(imageArray.dtype.descr)' (supported: uint8, float32)")
        }
        let geometry = try imageGeometry(imageArray, layout: layout)
        let count = geometry.count

        guard labelArray.shape.count == 1 || (labelArray.shape.count == 2 && labelArray.shape[1] == 1) else {
            throw DatasetError(labelPath, "labels must have shape (N,) or (N, 1), got \(labelArray.shapeText)")
        }
        guard labelArray.shape[0] == count else {
            throw DatasetError(labelPath, "\(labelArray.shape[0]) labels but \(FileBytes.name(imagePath)) has \(count) images")
        }
        guard count > 0 else { throw DatasetError(imagePath, "array holds no images") }
        let take = min(count, limit ?? count)
        let labels = try readLabels(labelArray, count: take)

        let (c, h, w) = (geometry.channels, geometry.height, geometry.width)
        let imageSize = c * h * w
        let pixels: PixelStorage
        if imageArray.dtype.isUInt8 {
            let raw = Array(imageArray.bytes[imageArray.dataOffset..<(imageArray.dataOffset + take * imageSize)])
            pixels = .uint8(geometry.channelsLast ? toNCHW(raw, count: take, channels: c, plane: h * w) : raw)
        } else {
            var values = try readFloat32(imageArray, count: take * imageSize)
            if geometry.channelsLast { values = toNCHW(values, count: take, channels: c, plane: h * w) }
            pixels = .float(values)
        }

        let classNames = try ClassNames.read(FileBytes.join(FileBytes.parent(imagePath), "classes.txt"))
        return ImageDataset(pixels: pixels, labels: labels, channels: c, height: h, width: w,
                            classNames: classNames, source: source)
    }

    private struct Geometry {
        let count, channels, height, width: Int
        let channelsLast: Bool
    }

    private static func imageGeometry(_ array: NPYArray, layout: ImageLayout?) throws -> Geometry {
        let s = array.shape
        let geometry: Geometry
        switch s.count {
        case 3:
            geometry = Geometry(count: s[0], channels: 1, height: s[1], width: s[2], channelsLast: false)
        case 4:
            let channelish: Set<Int> = [1, 3, 4]
            let channelsLast = layout.map { $0 == .nhwc } ?? (channelish.contains(s[3]) && !channelish.contains(s[1]))
            geometry = channelsLast
                ? Geometry(count: s[0], channels: s[3], height: s[1], width: s[2], channelsLast: true)
                : Geometry(count: s[0], channels: s[1], height: s[2], width: s[3], channelsLast: false)
        default:
            throw DatasetError(array.path, "images must have shape (N, H, W), (N, C, H, W) or (N, H, W, C), got \(array.shapeText)")
        }
        guard geometry.channels > 0, geometry.height > 0, geometry.width > 0 else {
            throw DatasetError(array.path, "image shape \(array.shapeText) has an empty dimension")
        }
        return geometry
    }

    /// Little-endian integers of any width → Int32, rejecting negatives and overflow.
    private static func readLabels(_ array: NPYArray, count: Int) throws -> [Int32] {
        let dtype = array.dtype
        guard dtype.isLittleEndianInteger else {
            throw DatasetError(array.path, "unsupported label dtype '\(dtype.descr)' (supported: little-endian integers such as int64, int32, uint8)")
        }
        var labels = [Int32](repeating: 0, count: count)
        let bytes = array.bytes
        let size = dtype.size
        for i in 0..<count {
            var raw = bytes.littleEndianUInt(at: array.dataOffset + i * size, width: size)
            if dtype.kind == .signed, size < 8, raw >> (8 * size - 1) & 1 == 1 {
                raw |= ~0 << (8 * size)  // sign-extend
            }
            let value: Int64 = dtype.kind == .signed ? Int64(bitPattern: raw) : (raw > UInt64(Int32.max) ? -1 : Int64(raw))
            guard value >= 0, value <= Int64(Int32.max) else {
                throw DatasetError(array.path, "label \(i) is \(dtype.kind == .signed ? String(Int64(bitPattern: raw)) : String(raw)) (labels must be in 0...\(Int32.max))")
            }
            labels[i] = Int32(value)
        }
        return labels
    }

    /// Float32 values moved to the 0–255 pixel scale, rejecting NaN and infinity.
    private static func readFloat32(_ array: NPYArray, count: Int) throws -> [Float] {
        var values = [Float](unsafeUninitializedCapacity: count) { out, initialized in
            array.bytes.withUnsafeBytes { raw in
                let src = UnsafeRawBufferPointer(rebasing: raw[array.dataOffset..<(array.dataOffset + 4 * count)])
                #if _endian(little)
                UnsafeMutableRawBufferPointer(out).copyMemory(from: src)
                #else
                for i in 0..<count {
                    out[i] = Float(bitPattern: UInt32(littleEndian: src.loadUnaligned(fromByteOffset: 4 * i, as: UInt32.self)))
                }
                #endif
            }
            initialized = count
        }
        var maximum = -Float.infinity
        var bad: Int? = nil
        values.withUnsafeBufferPointer { buffer in
            for (i, v) in buffer.enumerated() {
                if !v.isFinite { bad = i; return }
                if v > maximum { maximum = v }
            }
        }
        if let i = bad {
            throw DatasetError(array.path, "value \(i) is \(values[i]); images must be finite")
        }
        if maximum <= floatPixelScaleThreshold {
            values.withUnsafeMutableBufferPointer { buffer in
                for i in buffer.indices { buffer[i] *= 255 }
            }
        }
        return values
    }

    /// [N, H·W, C] → [N, C, H·W].
    private static func toNCHW<T>(_ source: [T], count: Int, channels: Int, plane: Int) -> [T] {
        let total = count * channels * plane
        return [T](unsafeUninitializedCapacity: total) { out, initialized in
            source.withUnsafeBufferPointer { src in
                guard let s = src.baseAddress, let d = out.baseAddress else { return }
                let imageSize = channels * plane
                for n in 0..<count {
                    let si = s + n * imageSize
                    let di = d + n * imageSize
                    for c in 0..<channels {
                        let dc = di + c * plane
                        for p in 0..<plane {
                            (dc + p).initialize(to: si[p * channels + c])
                        }
                    }
                }
            }
            initialized = total
        }
    }
}
