/// A model that cannot be read, written or transformed: one line naming the file (or graph)
/// and the problem.
public struct ModelError: Error, CustomStringConvertible, Sendable {
    public let file: String
    public let message: String
    public init(file: String, _ message: String) { self.file = file; self.message = message }
    public var description: String { "\(file): \(message)" }
}
