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

    /// Raw librdkafka properties, applied after the typed settings.
    /// Default: empty.
    public var properties: [String: String]

    public init(
        bootstrapServers: [String] = ["localhost:9092"],
        clientID: String = "salience",
        properties: [String: String] = [:]
    ) {
        self.bootstrapServers = bootstrapServers
        self.clientID = clientID
        self.properties = properties
    }

    /// Typed settings as librdkafka properties (without ``properties``).
    var librdkafkaProperties: [String: String] {
        ["bootstrap.servers": bootstrapServers.joined(separator: ","), "client.id": clientID]
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
