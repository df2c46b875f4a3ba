/// A failure while running a graph: names the node and what was wrong, on one line.
public struct ExecutionError: Error, CustomStringConvertible, Sendable {
    public let node: String
    public let message: String
    public init(node: String, _ message: String) { self.node = node; self.message = message }
    public var description: String { "node '\(node)': \(message)" }
}
