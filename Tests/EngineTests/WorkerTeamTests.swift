import Foundation
import XCTest
@testable import Engine

/// `WorkerTeam` (bb_team): every part of every job runs exactly once, the call returns only
/// after all parts have finished, and back-to-back jobs do not leak parts into each other.
final class WorkerTeamTests: XCTestCase {
    func testEveryPartRunsExactlyOnceAcrossManyJobs() throws {
        for threads in [1, 2, 3] {
            let team = try XCTUnwrap(WorkerTeam(threads: threads))
            XCTAssertEqual(team.threads, threads)
            for job in 0..<2000 {
                let parts = 1 + job % 5
                let counts = UnsafeMutablePointer<Int>.allocate(capacity: parts)
                counts.initialize(repeating: 0, count: parts)
                let lock = NSLock()
                team.run(parts) { p in
                    var s = 0.0
                    for i in 0..<(200 * (p + 1)) { s += Double(i) }  // uneven parts
                    lock.lock(); counts[p] += 1 + (s < 0 ? 1 : 0); lock.unlock()
                }
                // all parts finished before run returned, each once
                XCTAssertEqual(Array(UnsafeBufferPointer(start: counts, count: parts)), [Int](repeating: 1, count: parts),
                               "threads \(threads) job \(job)")
                counts.deallocate()
            }
        }
    }

    /// Jobs far apart in time: helpers have gone to sleep and must be woken.
    func testJobsAfterTheHelpersSlept() throws {
        let team = try XCTUnwrap(WorkerTeam(threads: 2))
        for _ in 0..<3 {
            Thread.sleep(forTimeInterval: 0.01)  // longer than the spin (0.2 ms)
            let done = UnsafeMutablePointer<Int>.allocate(capacity: 4)
            done.initialize(repeating: 0, count: 4)
            team.run(4) { done[$0] += 1 }
            XCTAssertEqual(Array(UnsafeBufferPointer(start: done, count: 4)), [1, 1, 1, 1])
            done.deallocate()
        }
    }
}
