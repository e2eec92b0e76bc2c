import Logging

extension LoggingSystem {
    /// Bootstraps swift-log once for the process: text lines (swift-log's
    /// stream handler on standard error) or JSON lines, at the configured level.
    public static func bootstrap(_ configuration: LoggingConfiguration) {
        let level = configuration.level
        switch configuration.format {
        case .text:
            bootstrap { label in
                var handler = StreamLogHandler.standardError(label: label)
                handler.logLevel = level
                return handler
            }
        case .json:
            bootstrap { label in JSONLogHandler(label: label, level: level) }
        }
    }
}
