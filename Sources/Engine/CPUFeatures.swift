import CKernels

/// Which kernel path the engine runs, and a way to force one (tests, benchmarks).
///
/// The initial level is the best one the CPU supports, lowered by the environment
/// variable `BITBUDGET_KERNELS=scalar|avx2|vnni|auto` when set. Forcing is process-wide:
/// switch levels only while no kernels run on other threads.
public enum CPUFeatures {
    /// Best level this CPU (and this build) supports.
    public static var maxSupported: KernelLevel { KernelLevel(rawValue: bb_cpu_max_level()) ?? .scalar }

    /// Every level that can run here, lowest first.
    public static var supportedLevels: [KernelLevel] { KernelLevel.allCases.filter { $0 <= maxSupported } }

    /// The level the dispatched kernels use now.
    public static var active: KernelLevel { KernelLevel(rawValue: bb_get_level()) ?? .scalar }

    /// Requests `level`; it is clamped to `maxSupported`. Returns the level now active.
    @discardableResult
    public static func force(_ level: KernelLevel) -> KernelLevel {
        KernelLevel(rawValue: bb_set_level(level.rawValue)) ?? .scalar
    }

    /// Runs `body` with `level` active (clamped to `maxSupported`), then restores the
    /// previous level. `body` receives the level actually in force.
    public static func withLevel<R>(_ level: KernelLevel, _ body: (KernelLevel) throws -> R) rethrows -> R {
        let previous = active
        let now = force(level)
        defer { force(previous) }
        return try body(now)
    }
}
