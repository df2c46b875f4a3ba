import Foundation

/// How many worker threads BitBudget's kernels use.
///
/// Defaults to the machine's active processor count; `BITBUDGET_THREADS` overrides it
/// (the CLI's `--threads` sets it too). OpenBLAS itself is pinned to one thread per call
/// because BitBudget parallelizes over images and column blocks, which keeps small GEMMs
/// (ResNet-20 has M = 16 rows) from paying OpenBLAS's thread hand-off on every call.
public enum Parallel {
    nonisolated(unsafe) private static var configured: Int? = nil

    /// The fewest values a thread gets in a split elementwise pass (map, copy, reduction per
    /// channel): below it a dispatch costs more than the work. Pass it as `minChunk`, divided
    /// by the values per index when an index covers more than one.
    public static let elementwiseGrain = 1 << 15

    /// The count when none is configured: `BITBUDGET_THREADS`, else the active processor
    /// count. Read once: `ProcessInfo.environment` builds a dictionary of the whole
    /// environment on every call, and `threadCount` is read on every parallel call — per image
    /// in the integer engine, where reading it each time cost 40 µs per Slice step and a
    /// quarter of ResNet-20's engine time whenever `--threads` was not given.
    private static let defaultCount: Int = {
        if let env = ProcessInfo.processInfo.environment["BITBUDGET_THREADS"], let n = Int(env), n > 0 { return n }
        return max(1, ProcessInfo.processInfo.activeProcessorCount)
    }()

    /// Worker-thread count in effect.
    public static var threadCount: Int {
        get { configured ?? defaultCount }
        set { configured = max(1, newValue) }
    }

    /// Runs `body(i)` for i in 0..<count, spread over `threadCount` threads.
    /// Each index is visited exactly once; order is unspecified.
    public static func forEach(_ count: Int, _ body: (Int) -> Void) {
        if count <= 0 { return }
        let workers = min(threadCount, count)
        if workers == 1 {
            for i in 0..<count { body(i) }
            return
        }
        withoutActuallyEscaping(body) { body in
            DispatchQueue.concurrentPerform(iterations: workers) { w in
                // Contiguous chunks keep each worker's memory traffic local.
                let start = count * w / workers, end = count * (w + 1) / workers
                for i in start..<end { body(i) }
            }
        }
    }

    /// Splits 0..<count into `threadCount` contiguous ranges and runs `body` on each.
    public static func forRanges(_ count: Int, minChunk: Int = 1, _ body: (Range<Int>) -> Void) {
        if count <= 0 { return }
        let workers = max(1, min(threadCount, count / max(1, minChunk)))
        if workers == 1 { body(0..<count); return }
        withoutActuallyEscaping(body) { body in
            DispatchQueue.concurrentPerform(iterations: workers) { w in
                body((count * w / workers)..<(count * (w + 1) / workers))
            }
        }
    }
}
