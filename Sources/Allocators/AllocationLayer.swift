/// The options available to one layer.
///
/// A layer with a single option is *pinned*: every allocator returns that option
/// (e.g. keep the first conv and the classifier at 8 bits).
public struct AllocationLayer: Hashable, Sendable {
    /// Free-form name used in error messages ("conv1", "layer3.1.conv2").
    public var name: String
    public var options: [AllocationOption]

    public init(name: String, options: [AllocationOption]) {
        self.name = name
        self.options = options
    }

    /// A layer with exactly one option.
    public static func pinned(name: String, _ option: AllocationOption) -> AllocationLayer {
        AllocationLayer(name: name, options: [option])
    }

    public var isPinned: Bool { options.count == 1 }

    /// Index of the cheapest option (ties: lower score, then lower index).
    var cheapestIndex: Int {
        var best = 0
        for i in options.indices.dropFirst() {
            let o = options[i], b = options[best]
            if o.cost < b.cost || (o.cost == b.cost && o.score < b.score) { best = i }
        }
        return best
    }

    /// Indices of the options not dominated inside this layer, sorted by cost
    /// ascending; scores are then strictly decreasing. An option is dropped when
    /// another one costs no more and scores no worse (exact duplicates keep the
    /// lowest index). O(B log B).
    ///
    /// Dropping dominated options never hurts any allocator: swapping a dominated
    /// option for its dominator cannot raise total cost or total score (IEEE
    /// addition is monotone), so every optimum survives.
    var paretoIndices: [Int] {
        let sorted = options.indices.sorted { a, b in
            let x = options[a], y = options[b]
            if x.cost != y.cost { return x.cost < y.cost }
            if x.score != y.score { return x.score < y.score }
            return a < b
        }
        var kept: [Int] = []
        var best = Double.infinity
        for i in sorted where options[i].score < best {
            kept.append(i)
            best = options[i].score
        }
        return kept
    }
}
