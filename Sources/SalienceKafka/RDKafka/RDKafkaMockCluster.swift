import CRdKafka
import Logging

/// librdkafka's mock cluster and the handle it was made with, in Swift
/// types: ``EmbeddedKafkaCluster`` calls these and no C function. Destroys
/// the cluster before the handle.
final class RDKafkaMockCluster: @unchecked Sendable {
    // The mock cluster's API is thread-safe (it posts to the cluster's own thread).
    private let pointer: OpaquePointer
    private let owner: RDKafkaClient
    /// The cluster's `host:port` list.
    let bootstrapServers: String

    init(brokers: Int, logger: Logger) throws {
        owner = try RDKafkaClient(
            kind: .producer,
            properties: ["client.id": "salience-embedded-cluster", "log_level": "4"],
            context: RDKafkaClientContext(logger: logger)
        )
        guard let pointer = rd_kafka_mock_cluster_new(owner.handle, Int32(brokers)) else {
            throw KafkaError(code: .invalidConfiguration, name: "MOCK", message: "cannot start the embedded cluster", severity: .fatal)
        }
        self.pointer = pointer
        bootstrapServers = String(cString: rd_kafka_mock_cluster_bootstraps(pointer))
    }

    deinit { rd_kafka_mock_cluster_destroy(pointer) }

    func createTopic(_ name: String, partitions: Int32, replicationFactor: Int32) throws {
        try KafkaError.check(rd_kafka_mock_topic_create(pointer, name, partitions, replicationFactor), "create topic '\(name)'")
    }

    func setBrokerDown(_ brokerID: Int32) throws {
        try KafkaError.check(rd_kafka_mock_broker_set_down(pointer, brokerID), "broker \(brokerID) down")
    }

    func setBrokerUp(_ brokerID: Int32) throws {
        try KafkaError.check(rd_kafka_mock_broker_set_up(pointer, brokerID), "broker \(brokerID) up")
    }

    func setRoundTripTime(milliseconds: Int32, broker brokerID: Int32) throws {
        try KafkaError.check(rd_kafka_mock_broker_set_rtt(pointer, brokerID, milliseconds), "broker \(brokerID) round-trip time")
    }

    func pushRequestErrors(api: Int16, errors: [KafkaError.Code]) {
        var codes = errors.map { rd_kafka_resp_err_t(rawValue: $0.rawValue) }
        rd_kafka_mock_push_request_errors_array(pointer, api, codes.count, &codes)
    }

    func clearRequestErrors(api: Int16) {
        rd_kafka_mock_clear_request_errors(pointer, api)
    }

    func setGroupCoordinator(_ group: String, broker brokerID: Int32) throws {
        try KafkaError.check(rd_kafka_mock_coordinator_set(pointer, "group", group, brokerID), "coordinator of group '\(group)'")
    }

    func setPartitionLeader(topic: String, partition: Int32, broker brokerID: Int32) throws {
        try KafkaError.check(rd_kafka_mock_partition_set_leader(pointer, topic, partition, brokerID), "leader of \(topic)/\(partition)")
    }
}
