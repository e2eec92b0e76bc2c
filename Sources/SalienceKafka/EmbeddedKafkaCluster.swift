import Logging

/// librdkafka's mock cluster, in-process: real Kafka protocol on loopback
/// ports, with fault injection. For tests, the demo and `salience broker`.
///
/// Its limits (librdkafka 2.0.2): no CreateTopics (use ``createTopic(_:partitions:replicationFactor:)``;
/// unknown topics are auto-created with 4 partitions), ListOffsets by time
/// answers -1, transactions write no control markers and drop offsets sent to
/// them, about 5 MiB or 100,000 batches kept per partition, no compaction.
public final class EmbeddedKafkaCluster: Sendable {
    private let cluster: RDKafkaMockCluster

    /// The cluster's `host:port` list for `bootstrap.servers`.
    public let bootstrapServers: String

    /// Number of brokers; their ids are `1...brokerCount`.
    public let brokerCount: Int

    /// Starts a cluster of `brokers` brokers.
    public init(brokers: Int = 3, logger: Logger) throws {
        precondition(brokers > 0, "an embedded cluster needs at least one broker")
        cluster = try RDKafkaMockCluster(brokers: brokers, logger: logger)
        bootstrapServers = cluster.bootstrapServers
        brokerCount = brokers
    }

    /// Creates a topic (the embedded cluster's own call; it has no CreateTopics API).
    public func createTopic(_ name: String, partitions: Int32, replicationFactor: Int32 = 1) throws {
        try cluster.createTopic(name, partitions: partitions, replicationFactor: replicationFactor)
    }

    /// Takes a broker down: its connections close and it accepts none.
    public func setBrokerDown(_ brokerID: Int32) throws {
        try cluster.setBrokerDown(brokerID)
    }

    /// Brings a broker back up.
    public func setBrokerUp(_ brokerID: Int32) throws {
        try cluster.setBrokerUp(brokerID)
    }

    /// Delays every response of a broker by `delay`.
    public func setRoundTripTime(_ delay: Duration, broker brokerID: Int32) throws {
        try cluster.setRoundTripTime(milliseconds: Int32(clamping: delay.milliseconds), broker: brokerID)
    }

    /// Makes the next requests of type `api` (to any broker) fail with
    /// `errors`, one error per request, in order.
    public func pushRequestErrors(_ api: KafkaAPIKey, errors: [KafkaError.Code]) {
        cluster.pushRequestErrors(api: api.rawValue, errors: errors)
    }

    /// Forgets errors pushed for `api` that have not been used yet.
    public func clearRequestErrors(_ api: KafkaAPIKey) {
        cluster.clearRequestErrors(api: api.rawValue)
    }

    /// Makes `brokerID` the coordinator of consumer group `group` (from its next lookup).
    public func setGroupCoordinator(_ group: String, broker brokerID: Int32) throws {
        try cluster.setGroupCoordinator(group, broker: brokerID)
    }

    /// Sets which broker leads a partition.
    public func setPartitionLeader(topic: String, partition: Int32, broker brokerID: Int32) throws {
        try cluster.setPartitionLeader(topic: topic, partition: partition, broker: brokerID)
    }
}
