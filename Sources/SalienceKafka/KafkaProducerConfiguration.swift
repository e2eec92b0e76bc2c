/// Settings of a ``KafkaProducer``.
public struct KafkaProducerConfiguration: Sendable, Equatable {
    /// Common client settings.
    public var client: KafkaClientConfiguration

    /// Idempotent delivery: retries never duplicate or reorder a partition's
    /// messages (implies `acks=all`).
    /// Default: `true`.
    public var idempotent: Bool

    /// How long messages wait to fill a batch.
    /// Default: 5 milliseconds.
    public var linger: Duration

    /// Whether requests go out at once (`TCP_NODELAY`, librdkafka's
    /// `socket.nagle.disable`), as Kafka's Java producer sends them. With
    /// Nagle's algorithm a small produce request written while an earlier one
    /// is unacknowledged waits for the broker's delayed acknowledgement, up
    /// to 40 ms on Linux.
    /// Default: `true`.
    public var tcpNoDelay: Bool

    /// How long a message may take from `send` to its delivery report,
    /// retries included, before it fails. With a transactional id it is capped
    /// at ``transactionTimeout`` (librdkafka requires it).
    /// Default: 120 seconds.
    public var deliveryTimeout: Duration

    /// The most messages waiting in the local queue.
    /// Default: 100,000.
    public var queueCapacity: Int

    /// A transactional id enables the transactional API; `nil` disables it.
    /// Default: `nil`.
    public var transactionalID: String?

    /// How long a transaction may stay open before the broker aborts it.
    /// Default: 60 seconds.
    public var transactionTimeout: Duration

    public init(
        client: KafkaClientConfiguration = KafkaClientConfiguration(),
        idempotent: Bool = true,
        linger: Duration = .milliseconds(5),
        tcpNoDelay: Bool = true,
        deliveryTimeout: Duration = .seconds(120),
        queueCapacity: Int = 100_000,
        transactionalID: String? = nil,
        transactionTimeout: Duration = .seconds(60)
    ) {
        self.client = client
        self.idempotent = idempotent
        self.linger = linger
        self.tcpNoDelay = tcpNoDelay
        self.deliveryTimeout = deliveryTimeout
        self.queueCapacity = queueCapacity
        self.transactionalID = transactionalID
        self.transactionTimeout = transactionTimeout
    }

    /// All settings as librdkafka properties, raw properties last.
    var librdkafkaProperties: [String: String] {
        var properties = client.librdkafkaProperties
        properties["enable.idempotence"] = String(idempotent)
        properties["linger.ms"] = String(linger.milliseconds)
        properties["socket.nagle.disable"] = String(tcpNoDelay)
        let timeout = transactionalID == nil ? deliveryTimeout : min(deliveryTimeout, transactionTimeout)
        properties["delivery.timeout.ms"] = String(timeout.milliseconds)
        properties["queue.buffering.max.messages"] = String(queueCapacity)
        if let transactionalID {
            properties["transactional.id"] = transactionalID
            properties["transaction.timeout.ms"] = String(transactionTimeout.milliseconds)
        }
        properties.merge(client.properties) { _, raw in raw }
        return properties
    }
}
