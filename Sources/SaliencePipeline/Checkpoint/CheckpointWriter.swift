import Logging
import SalienceCore
import SalienceKafka

/// Writes one engine thread's checkpoints: each a generation of parts — a
/// full state every `checkpoint_full_every` checkpoints (or once the change
/// sets since the last one outgrow twice its size), a change set otherwise — and then
/// its manifest, to the checkpoint topic; the model export to the models
/// topic; all of them to the checkpoint directory when there is one. Once
/// they are acknowledged it checks that the checkpoint topic kept the
/// generation's full state.
struct CheckpointWriter {
    private let configuration: PipelineConfiguration
    private let layout: TopicLayout
    private let producer: any RecordSink
    private let reader: any PartitionReading
    private let deliveries: DeliveryAccounting
    private let fingerprint: UInt64
    private let logger: Logger
    /// Where the full state each partition's checkpoints build on starts in
    /// the checkpoint topic, to find out whether the topic still holds it.
    private var fulls: [KafkaTopicPartition: WrittenCheckpoint] = [:]
    /// Partitions whose eviction was already reported as an error (later ones are warnings).
    private var evictionReported: Set<KafkaTopicPartition> = []
    /// Partitions whose full state was evicted: their next checkpoint is a full state again.
    private var fullDue: Set<KafkaTopicPartition> = []

    init(
        configuration: PipelineConfiguration, layout: TopicLayout, producer: any RecordSink, reader: any PartitionReading,
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

    /// A checkpoint as written.
    struct Written {
        let manifest: CheckpointManifest
        /// Bytes of the parts and the manifest written.
        let bytes: Int
        /// Whether it wrote a full state.
        let isFull: Bool
    }

    /// Sends the checkpoint of `task` — its parts, then its manifest — and
    /// its model export (delivery is confirmed by the caller's flush or
    /// transaction commit); after a full state, deletes the change sets it
    /// supersedes. `nil` when the task has nothing to checkpoint.
    mutating func write(_ task: PartitionTask) throws -> Written? {
        guard let nextOffset = task.nextOffset else { return nil }
        let generation = task.nextGeneration
        let key = PartitionCheckpoint.key(group: configuration.group, topic: task.partition.topic, partition: task.partition.partition)
        let previous = task.lastManifest
        let (written, manifest) = CheckpointManifest.next(
            after: previous, of: task.estimator, group: configuration.group, topic: task.partition.topic,
            partition: task.partition.partition, nextOffset: nextOffset, generation: generation,
            fullEvery: configuration.checkpointFullEvery, fullDue: fullDue.contains(task.partition),
            maxChunkBytes: configuration.maxMessageBytes
        )
        let isFull = written.kind == .full
        let entry = manifest.parts.last!
        let manifestBytes = manifest.encoded(fingerprint: fingerprint)
        let partitions = layout[configuration.checkpointTopic]
        let recordDelivery = deliveries.handler { _ in }
        var onPartDelivery = recordDelivery
        if isFull {
            let full = WrittenCheckpoint(
                location: KafkaTopicPartition(topic: configuration.checkpointTopic, partition: ChunkedRecords.partition(of: key, partitions: partitions)),
                bytes: written.bytes.count, chunks: entry.chunks
            )
            fulls[task.partition] = full
            fullDue.remove(task.partition)
            onPartDelivery = { result in
                if case .success(let receipt) = result { full.firstOffset.lower(to: receipt.offset) }
                recordDelivery(result)
            }
        }
        for (bytes, name, delivery) in [(written.bytes, written.name, onPartDelivery), (manifestBytes, CheckpointManifest.name(generation: generation), recordDelivery)] {
            try ChunkedRecords.write(
                bytes, key: key, name: name, id: generation, topic: configuration.checkpointTopic,
                partitions: partitions, maxChunkBytes: configuration.maxMessageBytes, producer: producer, onDelivery: delivery
            )
        }
        let superseded = isFull ? Array(previous?.parts.dropFirst() ?? []) : []
        for obsolete in superseded {
            try ChunkedRecords.delete(
                key: key, name: obsolete.name, chunks: obsolete.chunks, topic: configuration.checkpointTopic,
                partitions: partitions, producer: producer, onDelivery: recordDelivery
            )
        }
        let export = try ModelExport(task.estimator).jsonData()
        let watermark = task.estimator.watermark.map(String.init) ?? ""
        try ChunkedRecords.write(
            Array(export), key: key, name: String(generation % 2), id: generation, topic: configuration.modelsTopic,
            partitions: layout[configuration.modelsTopic], maxChunkBytes: configuration.maxMessageBytes,
            headers: [
                KafkaHeader(key: SalienceHeader.modelFormat, string: ModelExport.formatName),
                KafkaHeader(key: SalienceHeader.modelNextOffset, string: String(nextOffset)),
                KafkaHeader(key: SalienceHeader.modelWatermark, string: watermark),
            ],
            producer: producer, onDelivery: recordDelivery
        )
        if let directory = configuration.checkpointDirectory {
            try CheckpointDirectory(path: directory).write(
                key: key, part: written, manifest: manifest, manifestBytes: manifestBytes, superseded: superseded, modelExport: Array(export)
            )
        }
        return Written(manifest: manifest, bytes: written.bytes.count + manifestBytes.count, isFull: isFull)
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
            guard let record = fulls[task.partition], let first = record.firstOffset.value else { continue }
            if lows[record.location] == nil { lows[record.location] = try? reader.watermarks(record.location).low }
            guard let low = lows[record.location] ?? nil, low > first else { continue }
            evicted += 1
            // Reported once per full state: the next checkpoint writes a new one.
            fulls[task.partition] = nil
            fullDue.insert(task.partition)
            let message: Logger.Message = "checkpoint cannot be restored: the checkpoint topic already evicted part of its full state"
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
