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
        let partitions = try partitionCount()
        let reader = try PartitionReader(kafka: kafka, logger: logger)
        return try ChunkedRecords.newest(
            key: PartitionCheckpoint.key(group: group, topic: input, partition: partition),
            topic: topic, partitions: partitions, reader: reader, logger: logger
        ) { record in
            (try PartitionCheckpoint.decode(record.bytes, expectedFingerprint: nil), record.bytes)
        }
    }

    /// The newest valid checkpoint of each of `partitions` the group has one
    /// for, read in one backward scan per checkpoint-topic partition (as a
    /// restoring run reads them).
    public func newest(group: String, partitions: [KafkaTopicPartition]) throws -> [KafkaTopicPartition: PartitionCheckpoint] {
        let keys = Dictionary(uniqueKeysWithValues: partitions.map {
            (PartitionCheckpoint.key(group: group, topic: $0.topic, partition: $0.partition), $0)
        })
        let found = try ChunkedRecords.newest(
            keys: Set(keys.keys), topic: topic, partitions: try partitionCount(),
            reader: try PartitionReader(kafka: kafka, logger: logger), logger: logger
        ) { _, record in try PartitionCheckpoint.decode(record.bytes, expectedFingerprint: nil) }
        return Dictionary(uniqueKeysWithValues: found.map { (keys[$0.key]!, $0.value) })
    }

    /// What the topic holds of a partition's checkpoints, one line per
    /// record: the chunks missing, and whether they were torn by a crash or
    /// evicted by the broker's retention. For when ``newest(group:topic:partition:)`` finds none.
    public func survey(group: String, topic input: String, partition: Int32) throws -> [String] {
        try ChunkedRecords.survey(
            key: PartitionCheckpoint.key(group: group, topic: input, partition: partition), topic: topic,
            partitions: try partitionCount(), reader: try PartitionReader(kafka: kafka, logger: logger)
        ).lines
    }

    private func partitionCount() throws -> Int32 {
        Int32(try KafkaAdmin(configuration: kafka, logger: logger).describeTopic(topic, timeout: .seconds(15)).partitions.count)
    }
}
