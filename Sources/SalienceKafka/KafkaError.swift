/// An error from the Kafka layer: librdkafka's own code, name and message, how
/// it may be handled, and where it was raised.
///
/// It is a struct rather than an enum so that new codes never break callers;
/// compare `code` against the named constants of ``KafkaError/Code``.
public struct KafkaError: Error, Sendable, CustomStringConvertible {
    /// librdkafka's `rd_kafka_resp_err_t`, kept as an integer so callers never
    /// import the C module.
    public struct Code: RawRepresentable, Hashable, Sendable, CustomStringConvertible {
        public let rawValue: Int32
        public init(rawValue: Int32) { self.rawValue = rawValue }

        /// No error.
        public static let noError = Code(rawValue: 0)
        /// A configuration property is unknown (`RD_KAFKA_CONF_UNKNOWN`), raised by Salience.
        public static let invalidConfiguration = Code(rawValue: -10_000)
        /// The request is not supported by the broker (`RD_KAFKA_RESP_ERR__UNSUPPORTED_FEATURE`).
        public static let unsupportedFeature = Code(rawValue: -165)
        /// A local operation timed out (`RD_KAFKA_RESP_ERR__TIMED_OUT`).
        public static let timedOut = Code(rawValue: -185)
        /// The local queue is full (`RD_KAFKA_RESP_ERR__QUEUE_FULL`).
        public static let queueFull = Code(rawValue: -184)
        /// The message timed out before delivery (`RD_KAFKA_RESP_ERR__MSG_TIMED_OUT`).
        public static let messageTimedOut = Code(rawValue: -192)
        /// The handle is shutting down or closed (`RD_KAFKA_RESP_ERR__DESTROY`).
        public static let destroyed = Code(rawValue: -197)
        /// Unknown topic or partition (`RD_KAFKA_RESP_ERR_UNKNOWN_TOPIC_OR_PART`).
        public static let unknownTopicOrPartition = Code(rawValue: 3)
        /// A broker rejected the request: not the leader (`NOT_LEADER_FOR_PARTITION`).
        public static let notLeaderForPartition = Code(rawValue: 6)
        /// The request timed out at the broker (`REQUEST_TIMED_OUT`).
        public static let requestTimedOut = Code(rawValue: 7)
        /// The topic already exists (`TOPIC_ALREADY_EXISTS`).
        public static let topicAlreadyExists = Code(rawValue: 36)

        public var description: String { "\(rawValue)" }
    }

    /// How the caller may react to the error.
    public struct Severity: Hashable, Sendable, CustomStringConvertible {
        private enum Kind: Hashable, Sendable { case retriable, abortable, fatal, permanent }
        private let kind: Kind

        /// Retrying the same operation may succeed.
        public static let retriable = Severity(kind: .retriable)
        /// The current transaction must be aborted; the producer stays usable.
        public static let abortable = Severity(kind: .abortable)
        /// The client is unusable and must be recreated.
        public static let fatal = Severity(kind: .fatal)
        /// The operation failed for good; the client stays usable.
        public static let permanent = Severity(kind: .permanent)

        public var description: String {
            switch kind {
            case .retriable: "retriable"
            case .abortable: "abortable"
            case .fatal: "fatal"
            case .permanent: "permanent"
            }
        }
    }

    /// librdkafka's error code.
    public let code: Code
    /// librdkafka's symbolic name of the code, e.g. `_TIMED_OUT`.
    public let name: String
    /// A human-readable message: librdkafka's text with Salience's context.
    public let message: String
    /// How the caller may react.
    public let severity: Severity
    /// Source location where the error was raised.
    public let file: String
    public let line: Int

    public init(
        code: Code,
        name: String,
        message: String,
        severity: Severity,
        file: String = #fileID,
        line: Int = #line
    ) {
        self.code = code
        self.name = name
        self.message = message
        self.severity = severity
        self.file = file
        self.line = line
    }

    /// Retrying may succeed.
    public var isRetriable: Bool { severity == .retriable }
    /// The client must be recreated.
    public var isFatal: Bool { severity == .fatal }
    /// The current transaction must be aborted.
    public var requiresAbort: Bool { severity == .abortable }

    public var description: String {
        "KafkaError(\(name) [\(code)], \(severity)): \(message)"
    }
}
