import Foundation

/// The one error type the Datasets target throws.
///
/// Every failure names its *subject* — the file, directory or option that is wrong — and
/// says what is wrong in a single line, so the CLI can print `error: \(error)` and the user
/// knows which file to look at without a stack trace. Bad input never traps; it lands here.
public struct DatasetError: Error, CustomStringConvertible, Equatable, Sendable {
    /// The file, directory or option the problem is about.
    public let subject: String
    /// What is wrong with it (one line, no trailing period).
    public let message: String

    public init(_ subject: String, _ message: String) {
        self.subject = subject
        self.message = message
    }

    /// `subject: message`, with any line breaks flattened so logs stay one line per error.
    public var description: String {
        let text = subject.isEmpty ? message : "\(subject): \(message)"
        return text.split(whereSeparator: \.isNewline).joined(separator: " ")
    }
}

extension DatasetError: LocalizedError {
    public var errorDescription: String? { description }
}
