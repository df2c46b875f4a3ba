import CKernels

/// A caller plus persistent helper threads (`bb_team`) for splitting one image's layer over
/// cores. Why not `Parallel.forEach`: a batch-1 convolution takes 20–60 µs, and a GCD
/// fork/join per layer cost more than the second core gained (measured: 2 threads ran
/// batch 1 slower than 1). Helpers spin a few tens of microseconds for the next job, then
/// sleep. One job at a time: a team belongs to one worker.
final class WorkerTeam {
    private let team: OpaquePointer
    let threads: Int

    init?(threads: Int) {
        guard let t = bb_team_create(Int32(threads)) else { return nil }
        team = t
        self.threads = Int(bb_team_threads(t))
    }

    deinit { bb_team_free(team) }

    /// Calls `body(part)` for every part in 0..<parts on the caller and the helpers;
    /// returns when all calls have returned.
    func run(_ parts: Int, _ body: (Int) -> Void) {
        withoutActuallyEscaping(body) { body in
            var job = body
            withUnsafeMutablePointer(to: &job) { ctx in
                bb_team_run(team, parts, { ctx, part in
                    ctx!.assumingMemoryBound(to: ((Int) -> Void).self).pointee(part)
                }, ctx)
            }
        }
    }
}
