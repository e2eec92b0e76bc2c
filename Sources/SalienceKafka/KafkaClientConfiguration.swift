/// Settings every Kafka client shares.
///
/// Typed fields cover what Salience uses; ``properties`` passes any other
/// librdkafka property through (security.protocol, sasl.*, ssl.* …) and is
/// applied last, so it wins over the typed fields.
public struct KafkaClientConfiguration: Sendable, Equatable {
    /// Brokers to bootstrap from, as `host:port`.
    /// Default: `["localhost:9092"]`.
    public var bootstrapServers: [String]

    /// The client id reported to brokers.
    /// Default: `"salience"`.
    public var clientID: String

    /// Whether requests go out at once (`TCP_NODELAY`, librdkafka's
    /// `socket.nagle.disable`), as Kafka's Java clients send them. With
    /// Nagle's algorithm a small request written while an earlier one is
    /// unacknowledged waits for the broker's delayed acknowledgement, up to
    /// 40 ms on Linux: an idempotent producer, five requests in flight, hit
    /// that wait about once a second.
    /// Default: `true`.
    public var tcpNoDelay: Bool

    /// Raw librdkafka properties, applied after the typed settings.
    /// Default: empty.
    public var properties: [String: String]

    public init(
        bootstrapServers: [String] = ["localhost:9092"],
        clientID: String = "salience",
        tcpNoDelay: Bool = true,
        properties: [String: String] = [:]
    ) {
        self.bootstrapServers = bootstrapServers
        self.clientID = clientID
        self.tcpNoDelay = tcpNoDelay
        self.properties = properties
    }

    /// Typed settings as librdkafka properties (without ``properties``).
    var librdkafkaProperties: [String: String] {
        [
            "bootstrap.servers": bootstrapServers.joined(separator: ","),
            "client.id": clientID,
            "socket.nagle.disable": String(tcpNoDelay),
        ]
    }
}

extension Duration {
    /// Whole milliseconds, rounded down, as librdkafka expects.
    var milliseconds: Int64 {
        let (seconds, attoseconds) = components
        return seconds * 1000 + attoseconds / 1_000_000_000_000_000
    }

    /// Whole milliseconds clamped into a C `int` timeout.
    var timeoutMilliseconds: Int32 {
        Int32(clamping: milliseconds)
    }
}
