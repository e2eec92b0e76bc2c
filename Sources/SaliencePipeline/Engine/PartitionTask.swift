import SalienceCore
import SalienceKafka

/// The estimator and input position of one assigned partition. State never
/// crosses tasks, so a partition can move to another process through its
/// checkpoint. Confined to the engine thread.
final class PartitionTask {
    /// What one input message became.
    enum Outcome {
        /// The event was estimated and released `samples` (indices 0, 1, … within
        /// this input message); those before `firstToWrite` were already in the
        /// output before a restart and are not written again.
        case processed(SampleRelease, samples: [WeightedSample], firstToWrite: Int)
        /// A refused message to dead-letter.
        case deadLetter(EventDecodingError)
        /// A dead letter already written before a restart.
        case suppressedDeadLetter(EventDecodingError)
        /// An offset below the task's position (a redelivery): ignored.
        case alreadyProcessed
    }

    /// Where an output sample stands in the input: the offset of the message
    /// that released it and its index among that message's samples.
    struct OutputPosition: Hashable {
        var offset: Int64
        var index: Int
        /// Nothing written yet.
        static let none = OutputPosition(offset: -1, index: 0)
    }

    let partition: KafkaTopicPartition
    /// The source headers every output of this partition carries (topic, partition).
    let sourcePartitionHeaders: [KafkaHeader]
    private(set) var estimator: ImportanceEstimator
    /// The next input offset to process; `nil` until the first message when
    /// the task started without a checkpoint.
    private(set) var nextOffset: Int64?
    /// Exactly-once: samples up to this (source offset, index) and dead
    /// letters up to this source offset are already written.
    let suppressSamplesThrough: OutputPosition
    let suppressDeadLettersThrough: Int64
    /// The last input offset whose samples or dead letter were already
    /// written before a restart, if any (exactly-once suppresses through it).
    var outputWrittenThrough: Int64? {
        let through = max(suppressSamplesThrough.offset, suppressDeadLettersThrough)
        return through >= 0 ? through : nil
    }
    private(set) var eventsSinceCheckpoint = 0
    private(set) var eventTimeAtCheckpoint: Int64?
    /// The offset of the last checkpoint written (or restored).
    private(set) var checkpointedOffset: Int64?
    /// When the last checkpoint was written, or the task made (monotonic
    /// clock; for the checkpoint-age metric only, never for a weight).
    private(set) var lastCheckpointAt = ContinuousClock.now
    /// The generation the next checkpoint gets (its record id).
    private(set) var nextGeneration: UInt64
    /// The manifest of the last checkpoint written, or restored from the
    /// checkpoint topic: what the next checkpoint's change set builds on
    /// (`nil`: the next checkpoint is a full state).
    private(set) var lastManifest: CheckpointManifest?
    /// The samples the last message released.
    private var released: [WeightedSample] = []
    /// The event the last message decoded into; the next decodes into it
    /// again, reusing its string buffers.
    private var event = BehaviorEvent.placeholder

    init(
        partition: KafkaTopicPartition,
        estimator: ImportanceEstimator,
        startOffset: Int64?,
        generation: UInt64,
        lastManifest: CheckpointManifest?,
        suppressSamplesThrough: OutputPosition,
        suppressDeadLettersThrough: Int64
    ) {
        self.partition = partition
        sourcePartitionHeaders = SalienceHeader.sourcePartition(topic: partition.topic, partition: partition.partition)
        self.estimator = estimator
        nextOffset = startOffset
        checkpointedOffset = startOffset
        nextGeneration = generation
        self.lastManifest = lastManifest
        eventTimeAtCheckpoint = estimator.maxEventTime
        self.suppressSamplesThrough = suppressSamplesThrough
        self.suppressDeadLettersThrough = suppressDeadLettersThrough
    }

    /// Decodes `message` in place in its `batch`, estimates, and says what to write.
    func handle(_ message: KafkaMessageBatch.Message, in batch: KafkaMessageBatch, decoder: EventDecoder) -> Outcome {
        if let nextOffset, message.offset < nextOffset { return .alreadyProcessed }
        nextOffset = message.offset + 1
        eventsSinceCheckpoint += 1
        // Reused: the caller is done with the previous outcome's samples, so
        // this buffer, and the strings the samples shared with the previous
        // event, are unshared again and no event allocates new ones.
        released.removeAll(keepingCapacity: true)
        do throws(EventDecodingError) {
            try batch.withValue(of: message) { (bytes) throws(EventDecodingError) in try decoder.decode(bytes, into: &event) }
        } catch {
            return message.offset <= suppressDeadLettersThrough ? .suppressedDeadLetter(error) : .deadLetter(error)
        }
        let source = SourcePosition(topic: partition.topic, partition: partition.partition, offset: message.offset)
        let release = estimator.release(event, source: source, into: &released)
        let samples = released
        let firstToWrite: Int
        if message.offset < suppressSamplesThrough.offset {
            firstToWrite = samples.count
        } else if message.offset == suppressSamplesThrough.offset {
            firstToWrite = min(samples.count, suppressSamplesThrough.index + 1)
        } else {
            firstToWrite = 0
        }
        return .processed(release, samples: samples, firstToWrite: firstToWrite)
    }

    /// Whether `configuration`'s interval has passed since the last checkpoint.
    func checkpointDue(_ configuration: PipelineConfiguration) -> Bool {
        guard nextOffset != nil, nextOffset != checkpointedOffset else { return false }
        // Event time counts from the first event the task sees when it started without any.
        if eventTimeAtCheckpoint == nil { eventTimeAtCheckpoint = estimator.maxEventTime }
        return configuration.checkpointDue(eventsSince: eventsSinceCheckpoint, now: estimator.maxEventTime, lastEventTime: eventTimeAtCheckpoint)
    }

    /// Whether there is anything a checkpoint would add.
    var hasUncheckpointedProgress: Bool { nextOffset != nil && nextOffset != checkpointedOffset }

    /// Records that the checkpoint of the current state is stored under `manifest`.
    func markCheckpointed(_ manifest: CheckpointManifest) {
        checkpointedOffset = nextOffset
        eventsSinceCheckpoint = 0
        eventTimeAtCheckpoint = estimator.maxEventTime
        nextGeneration = manifest.generation + 1
        lastManifest = manifest
        estimator.clearChanges()
        lastCheckpointAt = .now
    }
}
