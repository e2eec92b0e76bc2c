import Logging
import SalienceCore
import SalienceKafka

/// Writes one engine thread's checkpoints: the encoded state in chunks to the
/// checkpoint topic, the model export to the models topic, both to the
/// checkpoint directory when there is one; and, once they are acknowledged,
/// checks that the checkpoint topic kept them.
struct CheckpointWriter {
    private let configuration: PipelineConfiguration
    private let layout: TopicLayout
    private let producer: KafkaProducer
    private let reader: PartitionReader
    private let deliveries: DeliveryAccounting
    private let fingerprint: UInt64
    private let logger: Logger
    /// Where each checkpoint just written starts in the checkpoint topic, to
    /// find out whether the topic kept all of it.
    private var written: [KafkaTopicPartition: WrittenCheckpoint] = [:]
    /// Partitions whose eviction was already reported as an error (later ones are warnings).
    private var evictionReported: Set<KafkaTopicPartition> = []

    init(
        configuration: PipelineConfiguration, layout: TopicLayout, producer: KafkaProducer, reader: PartitionReader,
        deliveries: DeliveryAccounting, logger: Logger
    ) {
        self.configuration = configuration
        self.layout = layout
        self.producer = producer
        self.reader = reader
        self.deliveries = deliveries
        fingerprint = configuration.estimator.fingerprint
        self.logger = logger
    }

    /// Sends the checkpoint and model export of `task` (delivery is
    /// confirmed by the caller's flush or transaction commit) and returns the
    /// checkpoint's encoded size.
    mutating func write(_ checkpoint: PartitionCheckpoint, of task: PartitionTask) throws -> Int {
        let bytes = checkpoint.encoded(fingerprint: fingerprint)
        let key = checkpoint.key
        let partitions = layout[configuration.checkpointTopic]
        let record = WrittenCheckpoint(
            location: KafkaTopicPartition(topic: configuration.checkpointTopic, partition: ChunkedRecords.partition(of: key, partitions: partitions)),
            bytes: bytes.count, chunks: ChunkedRecords.chunks(bytes.count, maxChunkBytes: configuration.maxMessageBytes)
        )
        written[task.partition] = record
        let recordDelivery = deliveries.handler { _ in }
        try ChunkedRecords.write(
            bytes, key: key, id: task.nextRecordID, topic: configuration.checkpointTopic,
            partitions: partitions, maxChunkBytes: configuration.maxMessageBytes,
            producer: producer, onDelivery: { result in
                if case .success(let receipt) = result { record.firstOffset.lower(to: receipt.offset) }
                recordDelivery(result)
            }
        )
        let export = try ModelExport(task.estimator).jsonData()
        let watermark = task.estimator.watermark.map(String.init) ?? ""
        try ChunkedRecords.write(
            Array(export), key: key, id: task.nextRecordID, topic: configuration.modelsTopic,
            partitions: layout[configuration.modelsTopic], maxChunkBytes: configuration.maxMessageBytes,
            headers: [
                KafkaHeader(key: SalienceHeader.modelFormat, string: ModelExport.formatName),
                KafkaHeader(key: SalienceHeader.modelNextOffset, string: String(checkpoint.nextOffset)),
                KafkaHeader(key: SalienceHeader.modelWatermark, string: watermark),
            ],
            producer: producer, onDelivery: recordDelivery
        )
        if let directory = configuration.checkpointDirectory {
            try CheckpointDirectory(path: directory).write(checkpoint, bytes: bytes, modelExport: Array(export))
        }
        return bytes.count
    }

    /// Says so loudly when the checkpoint topic no longer holds the first
    /// chunks of a checkpoint of `tasks` just written and acknowledged (a
    /// broker whose retention is smaller than the state, as the embedded
    /// broker's 5 MiB per partition): that checkpoint can never be restored,
    /// and the error should come now, not at the next restore. Returns how
    /// many were evicted.
    mutating func checkRetention(of tasks: [PartitionTask]) -> Int {
        var evicted = 0
        // Partitions of the checkpoint topic hold many checkpoints: each is asked once.
        var lows: [KafkaTopicPartition: Int64?] = [:]
        for task in tasks {
            guard let record = written.removeValue(forKey: task.partition), let first = record.firstOffset.value else { continue }
            if lows[record.location] == nil { lows[record.location] = try? reader.watermarks(record.location).low }
            guard let low = lows[record.location] ?? nil, low > first else { continue }
            evicted += 1
            let message: Logger.Message = "checkpoint cannot be restored: the checkpoint topic already evicted part of it"
            let metadata: Logger.Metadata = [
                "salience.partition": "\(task.partition)",
                "salience.checkpoint.bytes": "\(record.bytes)",
                "salience.checkpoint.chunks": "\(record.chunks)",
                "salience.checkpoint.location": "\(record.location) from offset \(first), which now starts at offset \(low)",
                "salience.fix": "\(CheckpointRetention.advice(bytes: record.bytes))",
            ]
            if evictionReported.insert(task.partition).inserted {
                logger.error(message, metadata: metadata)
            } else {
                logger.warning(message, metadata: metadata)
            }
        }
        return evicted
    }
}
