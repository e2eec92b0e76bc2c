import Logging
import SalienceKafka

/// Reads checkpoints back from the checkpoint topic, for tools (inspect,
/// replay). Reads only, outside any group.
public struct CheckpointStore {
    private let kafka: KafkaClientConfiguration
    private let topic: String
    private let logger: Logger

    public init(kafka: KafkaClientConfiguration, topic: String, logger: Logger) {
        self.kafka = kafka
        self.topic = topic
        self.logger = logger
    }

    /// The newest valid checkpoint of a partition; torn or corrupt ones are
    /// passed over (and logged) for the next older one.
    ///
    /// - Returns: the checkpoint and its framed bytes, or `nil` when there is none.
    public func newest(group: String, topic input: String, partition: Int32) throws -> (checkpoint: PartitionCheckpoint, bytes: [UInt8])? {
        let admin = try KafkaAdmin(configuration: kafka, logger: logger)
        let partitions = Int32(try admin.describeTopic(topic, timeout: .seconds(15)).partitions.count)
        let reader = try PartitionReader(kafka: kafka, logger: logger)
        return try ChunkedRecords.newest(
            key: PartitionCheckpoint.key(group: group, topic: input, partition: partition),
            topic: topic, partitions: partitions, reader: reader, logger: logger
        ) { record in
            (try PartitionCheckpoint.decode(record.bytes, expectedFingerprint: nil), record.bytes)
        }
    }
}
