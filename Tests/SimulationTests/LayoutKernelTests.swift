import Simulation
import XCTest

/// `IntegerProgram.slice` / `.pad` (row-at-a-time copies) against a per-element definition.
final class LayoutKernelTests: XCTestCase {
    private struct Rng {
        var s: UInt64
        mutating func next(_ n: Int) -> Int {
            s = s &* 6364136223846793005 &+ 1442695040888963407
            return Int((s >> 33) % UInt64(n))
        }
    }

    private func strides(_ shape: [Int]) -> [Int] {
        var st = [Int](repeating: 1, count: shape.count)
        for d in stride(from: shape.count - 2, through: 0, by: -1) { st[d] = st[d + 1] * shape[d + 1] }
        return st
    }

    /// Every multi-index of `shape`, row-major.
    private func indices(_ shape: [Int]) -> [[Int]] {
        var out: [[Int]] = [[]]
        for n in shape { out = out.flatMap { p in (0..<n).map { p + [$0] } } }
        return out
    }

    func testSliceAndPadMatchTheirDefinitions() {
        var rng = Rng(s: 5)
        for _ in 0..<60 {
            let rank = 1 + rng.next(4)
            let shape = (0..<rank).map { _ in 1 + rng.next(6) }
            let count = shape.reduce(1, *)
            let x = (0..<count).map { _ in UInt8(rng.next(256)) }
            let inSt = strides(shape)
            // slice: random starts and steps (1-3) that stay inside
            let steps = (0..<rank).map { _ in 1 + rng.next(3) }
            var starts: [Int] = []
            for d in 0..<rank { starts.append(rng.next(shape[d])) }
            var outShape: [Int] = []
            for d in 0..<rank { outShape.append((shape[d] - starts[d] + steps[d] - 1) / steps[d]) }
            var got = [UInt8](repeating: 0, count: outShape.reduce(1, *))
            x.withUnsafeBufferPointer { xp in got.withUnsafeMutableBufferPointer {
                IntegerProgram.slice(xp.baseAddress!, shape: shape, starts: starts, steps: steps, outShape: outShape, out: $0.baseAddress!)
            } }
            var want: [UInt8] = []
            for idx in indices(outShape) {
                var src = 0
                for d in 0..<rank { src += (starts[d] + idx[d] * steps[d]) * inSt[d] }
                want.append(x[src])
            }
            XCTAssertEqual(got, want, "slice \(shape) starts \(starts) steps \(steps)")
            // pad: random begin/end pads, value 7
            let pads = (0..<(2 * rank)).map { _ in rng.next(3) }
            var padded: [Int] = []
            for d in 0..<rank { padded.append(shape[d] + pads[d] + pads[rank + d]) }
            let outSt = strides(padded)
            var p = [UInt8](repeating: 0, count: padded.reduce(1, *))
            x.withUnsafeBufferPointer { xp in p.withUnsafeMutableBufferPointer {
                IntegerProgram.pad(xp.baseAddress!, shape: shape, pads: pads, value: 7, outShape: padded, out: $0.baseAddress!)
            } }
            var wantPad = [UInt8](repeating: 7, count: p.count)
            for (i, idx) in indices(shape).enumerated() {
                var dst = 0
                for d in 0..<rank { dst += (idx[d] + pads[d]) * outSt[d] }
                wantPad[dst] = x[i]
            }
            XCTAssertEqual(p, wantPad, "pad \(shape) pads \(pads)")
        }
    }
}
