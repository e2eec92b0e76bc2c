import Logging
import SalienceCore
import SalienceKafka

/// Reads checkpoints back from the checkpoint topic, for tools (inspect,
/// replay, bench), outside any group; and seeds it with a partition's first
/// generation (``seed(_:group:topic:partition:nextOffset:maxChunkBytes:producer:)``).
public struct CheckpointStore {
    private let kafka: KafkaClientConfiguration
    private let topic: String
    private let logger: Logger

    public init(kafka: KafkaClientConfiguration, topic: String, logger: Logger) {
        self.kafka = kafka
        self.topic = topic
        self.logger = logger
    }

    /// The newest restorable generation of a partition's checkpoints, with
    /// its manifest and the newer generations refused (torn, evicted, corrupt).
    ///
    /// - Returns: `nil` when the topic holds no manifest of the partition.
    public func newest(group: String, topic input: String, partition: Int32) throws -> CheckpointGenerations.Outcome? {
        let partition = KafkaTopicPartition(topic: input, partition: partition)
        let outcome = try CheckpointGenerations.newest(
            group: group, partitions: [partition], topic: topic, topicPartitions: try partitionCount(),
            reader: try PartitionReader(kafka: kafka, logger: logger)
        )[partition]
        return outcome?.highestGeneration == nil ? nil : outcome
    }

    /// The newest restorable generation of each of `partitions` the group
    /// has one for — with `atOrBefore`, the newest whose state reflects no
    /// event later than that time (epoch ms) — read in one backward scan per
    /// checkpoint-topic partition (as a restoring run reads them); refused
    /// generations are logged.
    public func newest(group: String, partitions: [KafkaTopicPartition], atOrBefore time: Int64? = nil) throws -> [KafkaTopicPartition: PartitionCheckpoint] {
        let found = try CheckpointGenerations.newest(
            group: group, partitions: partitions, topic: topic, topicPartitions: try partitionCount(),
            reader: try PartitionReader(kafka: kafka, logger: logger)
        ) { manifest in
            time.map { time in manifest.maxEventTime.map { $0 <= time } ?? true } ?? true
        }
        var checkpoints: [KafkaTopicPartition: PartitionCheckpoint] = [:]
        for (partition, outcome) in found {
            for line in outcome.refused {
                logger.warning("refusing a checkpoint generation; trying an older one", metadata: ["salience.partition": "\(partition)", "salience.reason": "\(line)"])
            }
            checkpoints[partition] = outcome.checkpoint
        }
        return checkpoints
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

    /// Writes `estimator`'s state as generation 0 of a partition's
    /// checkpoints — its full state, then its manifest, in chunks as
    /// `salience run` writes them — through `producer`; delivery is the
    /// caller's flush. Returns the bytes written.
    public func seed(
        _ estimator: ImportanceEstimator, group: String, topic input: String, partition: Int32, nextOffset: Int64,
        maxChunkBytes: Int, producer: KafkaProducer
    ) throws -> Int {
        let (part, manifest) = CheckpointManifest.next(
            after: nil, of: estimator, group: group, topic: input, partition: partition, nextOffset: nextOffset,
            generation: 0, fullEvery: 1, maxChunkBytes: maxChunkBytes
        )
        let manifestBytes = manifest.encoded(fingerprint: estimator.configuration.fingerprint)
        let key = PartitionCheckpoint.key(group: group, topic: input, partition: partition)
        let partitions = try partitionCount()
        for (bytes, name) in [(part.bytes, part.name), (manifestBytes, CheckpointManifest.name(generation: 0))] {
            try ChunkedRecords.write(
                bytes, key: key, name: name, id: 0, topic: topic, partitions: partitions, maxChunkBytes: maxChunkBytes,
                producer: producer, onDelivery: { _ in }
            )
        }
        return part.bytes.count + manifestBytes.count
    }

    private func partitionCount() throws -> Int32 {
        Int32(try KafkaAdmin(configuration: kafka, logger: logger).describeTopic(topic, timeout: .seconds(15)).partitions.count)
    }
}
