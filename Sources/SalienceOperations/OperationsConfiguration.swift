import Logging

/// The HTTP endpoint for metrics and health, and how readiness is judged.
public struct OperationsConfiguration: Sendable, Equatable {
    /// Whether `salience run` serves `/metrics`, `/healthz` and `/readyz`. Default: `true`.
    public var enabled: Bool
    /// The address to bind. Default: `127.0.0.1` (loopback only; set `0.0.0.0`
    /// to let a scraper on another host in).
    public var host: String
    /// The port to bind; 0 picks a free one. Default: 9464.
    public var port: Int
    /// `/readyz` answers 200 once partitions are assigned and the consumer lag
    /// summed over them is at most this many messages. Default: 10,000.
    public var readyMaxLag: Int
    /// `/healthz` fails when the pipeline loop has not turned for this long. Default: 60 seconds.
    public var livenessTimeout: Duration

    public init(
        enabled: Bool = true,
        host: String = "127.0.0.1",
        port: Int = 9464,
        readyMaxLag: Int = 10_000,
        livenessTimeout: Duration = .seconds(60)
    ) {
        self.enabled = enabled
        self.host = host
        self.port = port
        self.readyMaxLag = readyMaxLag
        self.livenessTimeout = livenessTimeout
    }
}

/// How log lines look and which are kept.
public struct LoggingConfiguration: Sendable, Equatable {
    /// The line format.
    public enum Format: String, Sendable, CaseIterable {
        /// Human-readable lines (swift-log's stream handler).
        case text
        /// One JSON object per line: `ts`, `level`, `label`, `message`, then metadata.
        case json
    }

    /// The least severe level written. Default: `info`.
    public var level: Logger.Level
    /// Default: `text`.
    public var format: Format

    public init(level: Logger.Level = .info, format: Format = .text) {
        self.level = level
        self.format = format
    }
}
