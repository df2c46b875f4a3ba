import Foundation

/// Accumulates wall time per operator type, to show where inference time goes.
public final class OpProfiler: @unchecked Sendable {
    public static let shared = OpProfiler(printAtExit: true)
    private var totals: [String: (ns: UInt64, calls: Int)] = [:]
    private let lock = NSLock()

    public init(printAtExit: Bool = false) {
        if printAtExit { atexit { OpProfiler.shared.printReport() } }
    }

    func record(_ op: String, _ ns: UInt64) {
        lock.lock(); defer { lock.unlock() }
        let t = totals[op] ?? (0, 0)
        totals[op] = (t.ns + ns, t.calls + 1)
    }

    /// (op, seconds, calls), slowest first.
    public var report: [(op: String, seconds: Double, calls: Int)] {
        lock.lock(); defer { lock.unlock() }
        return totals.map { ($0.key, Double($0.value.ns) / 1e9, $0.value.calls) }.sorted { $0.seconds > $1.seconds }
    }

    public func printReport() {
        let r = report
        guard !r.isEmpty else { return }
        let total = r.reduce(0) { $0 + $1.seconds }
        var s = "operator time:\n"
        for e in r { s += String(format: "  %-20@ %8.3f s %5.1f%% %7d calls\n", e.op as NSString, e.seconds, e.seconds / total * 100, e.calls) }
        FileHandle.standardError.write(s.data(using: .utf8)!)
    }
}
