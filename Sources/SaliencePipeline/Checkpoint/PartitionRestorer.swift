import Logging
import SalienceCore
import SalienceKafka

/// Makes the task of a newly assigned partition: its estimator from the
/// newest checkpoint in the checkpoint topic or the checkpoint directory
/// (refusing one of another configuration, or one past the partition's end),
/// and under exactly-once the output positions already written, so a
/// restarted partition suppresses what it wrote before.
struct PartitionRestorer {
    private let configuration: PipelineConfiguration
    private let layout: TopicLayout
    private let reader: any PartitionReading
    private let statistics: PipelineStatistics
    private let logger: Logger

    init(configuration: PipelineConfiguration, layout: TopicLayout, reader: any PartitionReading, statistics: PipelineStatistics, logger: Logger) {
        self.configuration = configuration
        self.layout = layout
        self.reader = reader
        self.statistics = statistics
        self.logger = logger
    }

    /// A restored task per partition.
    ///
    /// - Throws: ``PipelineError`` (`incompatibleCheckpoint`) or a Kafka
    ///   error: the partitions must not start from a state that would break
    ///   the guarantee.
    func restore(_ partitions: [KafkaTopicPartition]) throws -> [KafkaTopicPartition: PartitionTask] {
        let stored = try storedCheckpoints(of: partitions)
        var tasks: [KafkaTopicPartition: PartitionTask] = [:]
        for partition in partitions { tasks[partition] = try restore(partition, stored: stored[partition]) }
        return tasks
    }

    /// The newest restorable generation of each partition's checkpoints in
    /// the checkpoint topic, read in one backward scan per checkpoint-topic partition.
    private func storedCheckpoints(of partitions: [KafkaTopicPartition]) throws -> [KafkaTopicPartition: CheckpointGenerations.Outcome] {
        try CheckpointGenerations.newest(
            group: configuration.group, partitions: partitions, topic: configuration.checkpointTopic,
            topicPartitions: layout[configuration.checkpointTopic], reader: reader
        )
    }

    private func restore(_ partition: KafkaTopicPartition, stored: CheckpointGenerations.Outcome?) throws -> PartitionTask {
        let key = PartitionCheckpoint.key(group: configuration.group, topic: partition.topic, partition: partition.partition)
        for line in stored?.refused ?? [] {
            logger.warning("refusing a checkpoint generation; trying an older one", metadata: [
                "salience.partition": "\(partition)", "salience.reason": "\(line)",
            ])
        }
        var newest = stored?.checkpoint
        // Change sets build on the manifest only when it came from the topic, which holds its parts.
        var manifest = stored?.manifest
        var source = "the checkpoint topic '\(configuration.checkpointTopic)'"
        if let directory = configuration.checkpointDirectory,
           let local = try CheckpointDirectory(path: directory).read(key: key, logger: logger),
           local.nextOffset > newest?.nextOffset ?? -1 {
            newest = local
            manifest = nil
            source = "the files in \(CheckpointDirectory(path: directory).checkpointPath(key: key))"
        }
        var estimator = ImportanceEstimator(configuration: configuration.estimator)
        if let checkpoint = newest {
            let end = try reader.end(partition)
            guard checkpoint.nextOffset <= end else {
                // Starting there would skip every message the partition holds, silently.
                throw PipelineError(
                    .incompatibleCheckpoint,
                    "the checkpoint of \(partition) in \(source) resumes at offset \(checkpoint.nextOffset), but the partition ends at offset \(end): it was written for another topic of that name (recreated, or on another cluster). Delete that checkpoint, or use a new group or checkpoint directory"
                )
            }
            try checkpoint.requireConfiguration(
                configuration.estimator.fingerprint,
                advice: "Restore the old settings, or use a new group (or delete the checkpoints) to start these partitions empty"
            )
            estimator = try checkpoint.estimator(configuration: configuration.estimator)
            statistics.update { $0.restoredFromCheckpoint += 1 }
        }
        let generation = max(stored?.highestGeneration.map { $0 + 1 } ?? 0, newest.map { $0.generation + 1 } ?? 0)
        var suppressSamples = PartitionTask.OutputPosition.none
        var suppressDeadLetters: Int64 = -1
        if configuration.delivery == .exactlyOnce {
            suppressSamples = try lastSourcePosition(in: configuration.samplesTopic, for: partition) ?? .none
            suppressDeadLetters = try lastSourcePosition(in: configuration.deadLetterTopic, for: partition)?.offset ?? -1
        }
        logger.info("partition restored", metadata: [
            "salience.partition": "\(partition)",
            "salience.checkpoint.offset": "\(newest.map { String($0.nextOffset) } ?? "none")",
            "salience.checkpoint.generation": "\(newest.map { "\($0.generation) (\($0.estimatorChanges.count) change set\($0.estimatorChanges.count == 1 ? "" : "s"))" } ?? "none")",
            "salience.suppress.samples_through": "\(suppressSamples.offset)#\(suppressSamples.index)",
            "salience.suppress.dead_letters_through": "\(suppressDeadLetters)",
        ])
        return PartitionTask(
            partition: partition, estimator: estimator, startOffset: newest?.nextOffset,
            generation: generation, lastManifest: manifest,
            suppressSamplesThrough: suppressSamples, suppressDeadLettersThrough: suppressDeadLetters
        )
    }

    /// The source position (offset, index) of the newest output from `input` in its co-partition of `topic`.
    private func lastSourcePosition(in topic: String, for input: KafkaTopicPartition) throws -> PartitionTask.OutputPosition? {
        var found: PartitionTask.OutputPosition?
        try reader.scanBackward(KafkaTopicPartition(topic: topic, partition: input.partition), window: 16) { messages in
            for message in messages where message.header(SalienceHeader.sourceTopic) == Array(input.topic.utf8) {
                guard let offset = message.headerNumber(SalienceHeader.sourceOffset) else { continue }
                found = PartitionTask.OutputPosition(offset: offset, index: Int(message.headerNumber(SalienceHeader.sourceIndex) ?? 0))
                return true
            }
            return false
        }
        return found
    }
}
