import CRdKafka
import Logging

/// librdkafka's mock cluster, in-process: real Kafka protocol on loopback
/// ports, with fault injection. For tests, the demo and `salience broker`.
///
/// Its limits (librdkafka 2.0.2): no CreateTopics (use ``createTopic(_:partitions:replicationFactor:)``;
/// unknown topics are auto-created with 4 partitions), ListOffsets by time
/// answers -1, transactions write no control markers and drop offsets sent to
/// them, about 5 MiB or 100,000 batches kept per partition, no compaction.
public final class EmbeddedKafkaCluster: Sendable {
    private let cluster: MockClusterHandle

    /// The cluster's `host:port` list for `bootstrap.servers`.
    public let bootstrapServers: String

    /// Number of brokers; their ids are `1...brokerCount`.
    public let brokerCount: Int

    /// Starts a cluster of `brokers` brokers.
    public init(brokers: Int = 3, logger: Logger) throws {
        precondition(brokers > 0, "an embedded cluster needs at least one broker")
        let owner = try RDKafkaClient(
            kind: .producer,
            properties: ["client.id": "salience-embedded-cluster", "log_level": "4"],
            context: RDKafkaClientContext(logger: logger)
        )
        guard let cluster = rd_kafka_mock_cluster_new(owner.handle, Int32(brokers)) else {
            throw KafkaError(code: .invalidConfiguration, name: "MOCK", message: "cannot start the embedded cluster", severity: .fatal)
        }
        self.cluster = MockClusterHandle(cluster, owner: owner)
        bootstrapServers = String(cString: rd_kafka_mock_cluster_bootstraps(cluster))
        brokerCount = brokers
    }

    /// Creates a topic (the embedded cluster's own call; it has no CreateTopics API).
    public func createTopic(_ name: String, partitions: Int32, replicationFactor: Int32 = 1) throws {
        let err = rd_kafka_mock_topic_create(cluster.pointer, name, partitions, replicationFactor)
        guard err == RD_KAFKA_RESP_ERR_NO_ERROR else { throw KafkaError.from(err, context: "create topic '\(name)'") }
    }

    /// Takes a broker down: its connections close and it accepts none.
    public func setBrokerDown(_ brokerID: Int32) throws {
        let err = rd_kafka_mock_broker_set_down(cluster.pointer, brokerID)
        guard err == RD_KAFKA_RESP_ERR_NO_ERROR else { throw KafkaError.from(err, context: "broker \(brokerID) down") }
    }

    /// Brings a broker back up.
    public func setBrokerUp(_ brokerID: Int32) throws {
        let err = rd_kafka_mock_broker_set_up(cluster.pointer, brokerID)
        guard err == RD_KAFKA_RESP_ERR_NO_ERROR else { throw KafkaError.from(err, context: "broker \(brokerID) up") }
    }

    /// Delays every response of a broker by `delay`.
    public func setRoundTripTime(_ delay: Duration, broker brokerID: Int32) throws {
        let err = rd_kafka_mock_broker_set_rtt(cluster.pointer, brokerID, Int32(clamping: delay.milliseconds))
        guard err == RD_KAFKA_RESP_ERR_NO_ERROR else { throw KafkaError.from(err, context: "broker \(brokerID) round-trip time") }
    }

    /// Makes the next requests of type `api` (to any broker) fail with
    /// `errors`, one error per request, in order.
    public func pushRequestErrors(_ api: KafkaAPIKey, errors: [KafkaError.Code]) {
        var codes = errors.map { rd_kafka_resp_err_t(rawValue: $0.rawValue) }
        rd_kafka_mock_push_request_errors_array(cluster.pointer, api.rawValue, codes.count, &codes)
    }

    /// Forgets errors pushed for `api` that have not been used yet.
    public func clearRequestErrors(_ api: KafkaAPIKey) {
        rd_kafka_mock_clear_request_errors(cluster.pointer, api.rawValue)
    }

    /// Makes `brokerID` the coordinator of consumer group `group` (from its next lookup).
    public func setGroupCoordinator(_ group: String, broker brokerID: Int32) throws {
        let err = rd_kafka_mock_coordinator_set(cluster.pointer, "group", group, brokerID)
        guard err == RD_KAFKA_RESP_ERR_NO_ERROR else { throw KafkaError.from(err, context: "coordinator of group '\(group)'") }
    }

    /// Sets which broker leads a partition.
    public func setPartitionLeader(topic: String, partition: Int32, broker brokerID: Int32) throws {
        let err = rd_kafka_mock_partition_set_leader(cluster.pointer, topic, partition, brokerID)
        guard err == RD_KAFKA_RESP_ERR_NO_ERROR else { throw KafkaError.from(err, context: "leader of \(topic)/\(partition)") }
    }
}

/// Owns the mock cluster pointer and the handle it was made with; destroys
/// the cluster first.
private final class MockClusterHandle: @unchecked Sendable {
    // The mock cluster's API is thread-safe (it posts to the cluster's own thread).
    let pointer: OpaquePointer
    private let owner: RDKafkaClient

    init(_ pointer: OpaquePointer, owner: RDKafkaClient) {
        self.pointer = pointer
        self.owner = owner
    }

    deinit { rd_kafka_mock_cluster_destroy(pointer) }
}
