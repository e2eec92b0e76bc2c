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
        var newest: [KafkaTopicPartition: Newest] = [:]
        for partition in partitions { newest[partition] = try self.newest(of: partition, stored: stored[partition]) }
        // Each read below covers every partition at once: restoring many costs the round trips of one.
        // Only a partition with a checkpoint needs its end, to check the checkpoint against it.
        let ends = try reader.bounds(partitions.filter { newest[$0] != nil }).mapValues(\.end)
        var written = OutputWritten()
        if configuration.delivery == .exactlyOnce {
            written.samples = try lastSourcePositions(in: configuration.samplesTopic, for: partitions)
            written.deadLetters = try lastSourcePositions(in: configuration.deadLetterTopic, for: partitions).mapValues(\.offset)
        }
        var tasks: [KafkaTopicPartition: PartitionTask] = [:]
        for partition in partitions {
            tasks[partition] = try restore(
                partition, stored: stored[partition], newest: newest[partition], end: ends[partition], written: written
            )
        }
        return tasks
    }

    /// A partition's newest checkpoint, from the checkpoint topic or the checkpoint directory.
    private struct Newest {
        let checkpoint: PartitionCheckpoint
        /// What the next change set builds on: only when the checkpoint came from the topic, which holds its parts.
        let manifest: CheckpointManifest?
        /// Where it came from, in words.
        let source: String
    }

    /// Exactly-once: where each partition's output already stands in the output topics.
    private struct OutputWritten {
        var samples: [KafkaTopicPartition: PartitionTask.OutputPosition] = [:]
        var deadLetters: [KafkaTopicPartition: Int64] = [:]
    }

    /// The newest restorable generation of each partition's checkpoints in
    /// the checkpoint topic, read in one backward scan per checkpoint-topic partition.
    private func storedCheckpoints(of partitions: [KafkaTopicPartition]) throws -> [KafkaTopicPartition: CheckpointGenerations.Outcome] {
        try CheckpointGenerations.newest(
            group: configuration.group, partitions: partitions, topic: configuration.checkpointTopic,
            topicPartitions: layout[configuration.checkpointTopic], reader: reader
        )
    }

    /// The newer of the topic's restorable generation and the directory's
    /// checkpoint, saying which generations of the topic were refused.
    private func newest(of partition: KafkaTopicPartition, stored: CheckpointGenerations.Outcome?) throws -> Newest? {
        let key = PartitionCheckpoint.key(group: configuration.group, topic: partition.topic, partition: partition.partition)
        for line in stored?.refused ?? [] {
            logger.warning("refusing a checkpoint generation; trying an older one", metadata: [
                "salience.partition": "\(partition)", "salience.reason": "\(line)",
            ])
        }
        var newest = stored?.checkpoint.map { Newest(checkpoint: $0, manifest: stored?.manifest, source: "the checkpoint topic '\(configuration.checkpointTopic)'") }
        if let directory = configuration.checkpointDirectory,
           let local = try CheckpointDirectory(path: directory).read(key: key, logger: logger),
           local.nextOffset > newest?.checkpoint.nextOffset ?? -1 {
            newest = Newest(checkpoint: local, manifest: nil, source: "the files in \(CheckpointDirectory(path: directory).checkpointPath(key: key))")
        }
        return newest
    }

    /// The task of `partition`, from its newest checkpoint, if any, whose partition ends at `end`.
    private func restore(
        _ partition: KafkaTopicPartition, stored: CheckpointGenerations.Outcome?, newest found: Newest?, end: Int64?, written: OutputWritten
    ) throws -> PartitionTask {
        let newest = found?.checkpoint
        var estimator = ImportanceEstimator(configuration: configuration.estimator)
        if let found {
            // Read for every partition with a checkpoint.
            let (checkpoint, source, end) = (found.checkpoint, found.source, end!)
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
        let suppressSamples = written.samples[partition] ?? .none
        let suppressDeadLetters = written.deadLetters[partition] ?? -1
        logger.info("partition restored", metadata: [
            "salience.partition": "\(partition)",
            "salience.checkpoint.offset": "\(newest.map { String($0.nextOffset) } ?? "none")",
            "salience.checkpoint.generation": "\(newest.map { "\($0.generation) (\($0.estimatorChanges.count) change set\($0.estimatorChanges.count == 1 ? "" : "s"))" } ?? "none")",
            "salience.suppress.samples_through": "\(suppressSamples.offset)#\(suppressSamples.index)",
            "salience.suppress.dead_letters_through": "\(suppressDeadLetters)",
        ])
        return PartitionTask(
            partition: partition, estimator: estimator, startOffset: newest?.nextOffset,
            generation: generation, lastManifest: found?.manifest,
            suppressSamplesThrough: suppressSamples, suppressDeadLettersThrough: suppressDeadLetters
        )
    }

    /// The source position (offset, index) of the newest output from each
    /// of `inputs` in its co-partition of `topic` (inputs of several topics
    /// share a co-partition); inputs without output are left out.
    private func lastSourcePositions(
        in topic: String, for inputs: [KafkaTopicPartition]
    ) throws -> [KafkaTopicPartition: PartitionTask.OutputPosition] {
        let byOutput = Dictionary(grouping: inputs) { KafkaTopicPartition(topic: topic, partition: $0.partition) }
        var found: [KafkaTopicPartition: PartitionTask.OutputPosition] = [:]
        try reader.scanBackward(byOutput.keys.sorted { $0.partition < $1.partition }, window: 16) { output, messages in
            let sources = byOutput[output]!
            for message in messages {
                guard let sourceTopic = message.header(SalienceHeader.sourceTopic),
                      let input = sources.first(where: { found[$0] == nil && Array($0.topic.utf8) == sourceTopic }),
                      let offset = message.headerNumber(SalienceHeader.sourceOffset)
                else { continue }
                found[input] = PartitionTask.OutputPosition(offset: offset, index: Int(message.headerNumber(SalienceHeader.sourceIndex) ?? 0))
            }
            return sources.allSatisfy { found[$0] != nil }
        }
        return found
    }
}
