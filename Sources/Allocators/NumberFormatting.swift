/// Compact, round-trippable rendering of a Double for messages and `Budget`:
/// integral values print without ".0", everything else uses Swift's shortest
/// round-trip representation.
func formatNumber(_ x: Double) -> String {
    if x.isFinite, x == x.rounded(), abs(x) < 1e15 {
        return String(Int64(x))
    }
    return "\(x)"
}
