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

    /// A checkpoint taken and not yet sent: the records it will write,
    /// encoded from the state at the moment it was taken.
    struct Prepared {
        let partition: KafkaTopicPartition
        let key: String
        let manifest: CheckpointManifest
        let manifestBytes: [UInt8]
        let part: CheckpointPart
        /// Change sets a full state makes obsolete, deleted after it.
        let superseded: [CheckpointManifest.Entry]
        let modelExport: [UInt8]
        let watermark: String
    }

    /// Takes the checkpoint of `task` — a full state or the change set since
    /// its last one, its manifest and its model export — without sending it.
    /// `nil` when the task has nothing to checkpoint. The caller marks the
    /// task checkpointed, so the next change set builds on this one.
    mutating func prepare(_ task: PartitionTask) throws -> Prepared? {
        guard let nextOffset = task.nextOffset else { return nil }
        let key = PartitionCheckpoint.key(group: configuration.group, topic: task.partition.topic, partition: task.partition.partition)
        let previous = task.lastManifest
        let (part, manifest) = CheckpointManifest.next(
            after: previous, of: task.estimator, group: configuration.group, topic: task.partition.topic,
            partition: task.partition.partition, nextOffset: nextOffset, generation: task.nextGeneration,
            fullEvery: configuration.checkpointFullEvery, fullDue: fullDue.contains(task.partition),
            maxChunkBytes: configuration.maxMessageBytes
        )
        if part.kind == .full { fullDue.remove(task.partition) }
        return Prepared(
            partition: task.partition, key: key, manifest: manifest, manifestBytes: manifest.encoded(fingerprint: fingerprint),
            part: part, superseded: part.kind == .full ? Array(previous?.parts.dropFirst() ?? []) : [],
            modelExport: Array(try ModelExport(task.estimator).jsonData()),
            watermark: task.estimator.watermark.map(String.init) ?? ""
        )
    }

    /// Sends a checkpoint taken by ``prepare(_:)`` — its part, then its
    /// manifest, the deletions of the change sets a full state supersedes —
    /// and its model export, and writes them to the checkpoint directory
    /// when there is one. Delivery is confirmed by the caller (the producer's
    /// reported prefix, a flush or a transaction commit); only once every
    /// output before the checkpoint is delivered may it be sent.
    mutating func send(_ prepared: Prepared) throws -> Written {
        let manifest = prepared.manifest
        let generation = manifest.generation
        let isFull = prepared.part.kind == .full
        let entry = manifest.parts.last!
        let partitions = layout[configuration.checkpointTopic]
        let recordDelivery = deliveries.handler { _ in }
        var onPartDelivery = recordDelivery
        if isFull {
            let full = WrittenCheckpoint(
                location: KafkaTopicPartition(
                    topic: configuration.checkpointTopic, partition: ChunkedRecords.partition(of: prepared.key, partitions: partitions)
                ),
                bytes: prepared.part.bytes.count, chunks: entry.chunks
            )
            fulls[prepared.partition] = full
            onPartDelivery = { result in
                if case .success(let receipt) = result { full.firstOffset.lower(to: receipt.offset) }
                recordDelivery(result)
            }
        }
        for (bytes, name, delivery) in [
            (prepared.part.bytes, prepared.part.name, onPartDelivery),
            (prepared.manifestBytes, CheckpointManifest.name(generation: generation), recordDelivery),
        ] {
            try ChunkedRecords.write(
                bytes, key: prepared.key, name: name, id: generation, topic: configuration.checkpointTopic,
                partitions: partitions, maxChunkBytes: configuration.maxMessageBytes, producer: producer, onDelivery: delivery
            )
        }
        for obsolete in prepared.superseded {
            try ChunkedRecords.delete(
                key: prepared.key, name: obsolete.name, chunks: obsolete.chunks, topic: configuration.checkpointTopic,
                partitions: partitions, producer: producer, onDelivery: recordDelivery
            )
        }
        try ChunkedRecords.write(
            prepared.modelExport, key: prepared.key, name: String(generation % 2), id: generation, topic: configuration.modelsTopic,
            partitions: layout[configuration.modelsTopic], maxChunkBytes: configuration.maxMessageBytes,
            headers: [
                KafkaHeader(key: SalienceHeader.modelFormat, string: ModelExport.formatName),
                KafkaHeader(key: SalienceHeader.modelNextOffset, string: String(manifest.nextOffset)),
                KafkaHeader(key: SalienceHeader.modelWatermark, string: prepared.watermark),
            ],
            producer: producer, onDelivery: recordDelivery
        )
        if let directory = configuration.checkpointDirectory {
            try CheckpointDirectory(path: directory).write(
                key: prepared.key, part: prepared.part, manifest: manifest, manifestBytes: prepared.manifestBytes,
                superseded: prepared.superseded, modelExport: prepared.modelExport
            )
        }
        return Written(manifest: manifest, bytes: prepared.part.bytes.count + prepared.manifestBytes.count, isFull: isFull)
    }

    /// Takes and sends the checkpoint of `task` at once (``prepare(_:)`` then
    /// ``send(_:)``): for a caller that has confirmed every output before it.
    mutating func write(_ task: PartitionTask) throws -> Written? {
        try prepare(task).map { try send($0) }
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
