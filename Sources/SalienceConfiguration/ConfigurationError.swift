/// Why a configuration was refused: every problem found, each with the key
/// path, where the value came from, the value (never a secret's) and what
/// was expected.
public struct ConfigurationError: Error, Sendable, CustomStringConvertible {
    /// One refused value or key.
    public struct Problem: Sendable, Equatable, CustomStringConvertible {
        public var path: String
        public var source: SettingSource?
        public var message: String

        public init(path: String, source: SettingSource?, message: String) {
            self.path = path
            self.source = source
            self.message = message
        }

        public var description: String {
            (source.map { "\($0): " } ?? "") + (path.isEmpty ? "" : "\(path): ") + message
        }
    }

    public var problems: [Problem]

    public init(_ problems: [Problem]) {
        self.problems = problems
    }

    public var description: String {
        "invalid configuration:\n" + problems.map { "  \($0)" }.joined(separator: "\n")
    }
}
