import Foundation

/// Packed (for Winograd: transformed) copies of convolution weights, kept for calls whose
/// batch is smaller than the thread count. There each call runs one or two images, and
/// re-packing the weights every time was ≈ 30% of ResNet-20's batch-1 FP32 time (`perf`;
/// Winograd's transform writes 4× the weights' size). Larger batches amortize the packing
/// over their images and do not use the cache, so training and fake-quantized sensitivity
/// passes, whose weights change from call to call, never fill it.
///
/// Keyed by the identity of the weight array's storage, which the entry keeps alive (pins):
/// while an entry exists no other array can be allocated at that address, and a caller that
/// mutates its tensor afterwards gets a fresh copy (copy-on-write, since the entry shares the
/// storage), so a hit always describes the same values. Packing is deterministic, so a hit
/// gives the same bits as packing again. Bounded by bytes (least recently used entries leave
/// first); thread-safe.
final class PackedWeightCache: @unchecked Sendable {
    static let shared = PackedWeightCache(capacityBytes: 64 << 20)

    private struct Key: Hashable {
        let storage: UnsafeRawPointer
        let count: Int
        /// What the packing depends on besides the values (algorithm and shape).
        let variant: [Int32]
    }

    private final class Entry {
        let pinned: [Float]
        let packed: [Float]
        var lastUse: UInt64
        init(pinned: [Float], packed: [Float], lastUse: UInt64) {
            self.pinned = pinned
            self.packed = packed
            self.lastUse = lastUse
        }
        var bytes: Int { (pinned.count + packed.count) * MemoryLayout<Float>.stride }
    }

    let capacityBytes: Int
    private var entries: [Key: Entry] = [:]
    private var bytes = 0
    private var clock: UInt64 = 0
    private let lock = NSLock()

    init(capacityBytes: Int) { self.capacityBytes = capacityBytes }

    /// The packed form of `weights` for `variant`, made by `make` on a miss.
    func packed(_ weights: [Float], variant: [Int32], make: () -> [Float]) -> [Float] {
        guard !weights.isEmpty, let key = weights.withUnsafeBufferPointer({ b in
            b.baseAddress.map { Key(storage: UnsafeRawPointer($0), count: b.count, variant: variant) }
        }) else { return make() }
        lock.lock()
        clock += 1
        if let e = entries[key] {
            e.lastUse = clock
            lock.unlock()
            return e.packed
        }
        lock.unlock()
        let p = make()
        let entry = Entry(pinned: weights, packed: p, lastUse: 0)
        guard entry.bytes <= capacityBytes else { return p }
        lock.lock()
        defer { lock.unlock() }
        clock += 1
        entry.lastUse = clock
        if let old = entries.updateValue(entry, forKey: key) { bytes -= old.bytes }
        bytes += entry.bytes
        while bytes > capacityBytes, let oldest = entries.min(by: { $0.value.lastUse < $1.value.lastUse }) {
            bytes -= oldest.value.bytes
            entries[oldest.key] = nil
        }
        return p
    }

    /// Entries and bytes held (tests).
    var usage: (entries: Int, bytes: Int) {
        lock.lock()
        defer { lock.unlock() }
        return (entries.count, bytes)
    }

    /// Drops every entry (tests).
    func removeAll() {
        lock.lock()
        entries.removeAll()
        bytes = 0
        lock.unlock()
    }
}
