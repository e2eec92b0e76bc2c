import Foundation
import SalienceCore
import SalienceKafka

/// Every setting of `salience run`, in one typed structure that flags (and a
/// configuration file) fill. Defaults are documented per field.
public struct PipelineConfiguration: Sendable {
    /// Connection settings and raw librdkafka properties (security included).
    /// Default: `localhost:9092`.
    public var kafka: KafkaClientConfiguration
    /// The consumer group. Default: `salience`.
    public var group: String
    /// Input topics of behaviour events. Default: `["events"]`.
    public var inputTopics: [String]
    /// Weighted samples, co-partitioned with the input. Default: `samples`.
    public var samplesTopic: String
    /// How samples are encoded on the samples topic (one sample per record,
    /// named in the `salience.sample.format` header). Default: `.json`.
    public var sampleFormat: SampleFormat
    /// Refused messages with reason headers, co-partitioned with the input. Default: `dead-letters`.
    public var deadLetterTopic: String
    /// Estimator checkpoints (compacted in production). Default: `salience-checkpoints`.
    public var checkpointTopic: String
    /// Model exports for trainers. Default: `salience-models`.
    public var modelsTopic: String
    /// Also keep checkpoints and model exports in this directory (atomic writes). Default: none.
    public var checkpointDirectory: String?
    /// Delivery guarantee. Default: `.exactlyOnce`.
    public var delivery: DeliveryMode
    /// A name for this process that stays the same across its restarts (a
    /// pod or service name) and that no other running process of the group
    /// uses. Under `.transactional` each engine thread's transactional id is
    /// `salience-<group>-<instance>-<thread>`, so a restarted process fences
    /// the transaction its killed predecessor left open (read_committed
    /// readers go on at once instead of waiting for the broker's transaction
    /// timeout). Default: none — the id is then `salience-<group>-<host>-<pid>-<thread>`,
    /// unique per process, which fences nothing.
    public var instanceID: String?
    /// Checkpoint a partition after this many events. Default: 100,000.
    public var checkpointEveryEvents: Int
    /// …or after this much event time (replays of old data cover event time
    /// fast, so keep this well above the checkpoint's cost). Default: 1 hour.
    public var checkpointEveryEventTime: Duration
    /// Every this many checkpoints of a partition, one is a full state; the
    /// others write only what changed since the previous one (earlier, when
    /// the changes since the last full state outgrow twice its size). `1` writes every
    /// checkpoint whole. Default: 10.
    public var checkpointFullEvery: Int
    /// Where a partition without checkpoint or committed offset starts. Default: `.earliest`.
    public var offsetReset: KafkaConsumerConfiguration.OffsetReset
    /// Messages taken per poll. Default: 1,000.
    public var pollBatch: Int
    /// Engine threads, each a member of the consumer group with its own
    /// consumer and producer, owning the partitions the group assigns it; `0`
    /// for one per core the process may use (``resolvedThreads``). A
    /// partition's output is the same whatever the count. Default: 0, one per
    /// core (on 2 cores, 2 threads gave 1.28-1.53x the steady throughput of 1;
    /// docs/performance.md).
    public var threads: Int
    /// Largest Kafka message Salience writes; checkpoints and model exports are
    /// split into chunks of this size. Default: 900 KiB.
    public var maxMessageBytes: Int
    /// Producer queue capacity: a full queue makes consumption wait. Default: 100,000.
    public var maxInFlightMessages: Int
    /// How long the producer waits to fill a batch of outputs (librdkafka's
    /// `linger.ms`): lower for latency, higher for fewer and larger requests.
    /// Default: 1 ms (see docs/performance.md: 5 ms added 3-4 ms to the
    /// median latency and gained no throughput on the embedded broker).
    public var linger: Duration
    /// The lingers ``validationErrors()`` accepts: 0 s to 900 s.
    public static let lingerRange: ClosedRange<Duration> = .zero ... .seconds(900)
    /// Whether the producer sends requests at once (`TCP_NODELAY`). Default:
    /// `true` (see docs/performance.md: with Nagle's algorithm the idempotent
    /// producer's requests waited for the broker's delayed acknowledgement
    /// about once a second, and p99 latency was 90-127 ms instead of 30-44).
    public var tcpNoDelay: Bool
    /// How long shutdown may take to drain, checkpoint and commit. Default: 30 seconds.
    public var shutdownTimeout: Duration
    /// Consumer session timeout. Default: 10 seconds.
    public var sessionTimeout: Duration
    /// The estimator's settings.
    public var estimator: EstimatorConfiguration
    /// The decoder's limits and aliases.
    public var decoder: EventDecoder.Configuration

    public init(
        kafka: KafkaClientConfiguration = KafkaClientConfiguration(),
        group: String = "salience",
        inputTopics: [String] = ["events"],
        samplesTopic: String = "samples",
        sampleFormat: SampleFormat = .json,
        deadLetterTopic: String = "dead-letters",
        checkpointTopic: String = "salience-checkpoints",
        modelsTopic: String = "salience-models",
        checkpointDirectory: String? = nil,
        delivery: DeliveryMode = .exactlyOnce,
        instanceID: String? = nil,
        checkpointEveryEvents: Int = 100_000,
        checkpointEveryEventTime: Duration = .seconds(3600),
        checkpointFullEvery: Int = 10,
        offsetReset: KafkaConsumerConfiguration.OffsetReset = .earliest,
        pollBatch: Int = 1000,
        threads: Int = 0,
        maxMessageBytes: Int = 900 * 1024,
        maxInFlightMessages: Int = 100_000,
        linger: Duration = .milliseconds(1),
        tcpNoDelay: Bool = true,
        shutdownTimeout: Duration = .seconds(30),
        sessionTimeout: Duration = .seconds(10),
        estimator: EstimatorConfiguration = EstimatorConfiguration(),
        decoder: EventDecoder.Configuration = EventDecoder.Configuration()
    ) {
        self.kafka = kafka
        self.group = group
        self.inputTopics = inputTopics
        self.samplesTopic = samplesTopic
        self.sampleFormat = sampleFormat
        self.deadLetterTopic = deadLetterTopic
        self.checkpointTopic = checkpointTopic
        self.modelsTopic = modelsTopic
        self.checkpointDirectory = checkpointDirectory
        self.delivery = delivery
        self.instanceID = instanceID
        self.checkpointEveryEvents = checkpointEveryEvents
        self.checkpointEveryEventTime = checkpointEveryEventTime
        self.checkpointFullEvery = checkpointFullEvery
        self.offsetReset = offsetReset
        self.pollBatch = pollBatch
        self.threads = threads
        self.maxMessageBytes = maxMessageBytes
        self.maxInFlightMessages = maxInFlightMessages
        self.linger = linger
        self.tcpNoDelay = tcpNoDelay
        self.shutdownTimeout = shutdownTimeout
        self.sessionTimeout = sessionTimeout
        self.estimator = estimator
        self.decoder = decoder
    }

    /// The engine threads a run starts: ``threads``, or when it is 0 the
    /// cores this process may use (its CPU affinity and cgroup quota, as
    /// Foundation reads them).
    public var resolvedThreads: Int {
        threads > 0 ? threads : max(1, ProcessInfo.processInfo.activeProcessorCount)
    }

    /// The transactional id of engine thread `member` under `.transactional`.
    func transactionalID(member: Int, host: String, processID: Int32) -> String {
        "salience-\(group)-\(instanceID ?? "\(host)-\(processID)")-\(member)"
    }

    /// Problems that make the configuration unusable, each naming the setting
    /// and the expected form; empty when valid.
    public func validationErrors() -> [String] {
        var errors = estimator.validationErrors()
        if inputTopics.isEmpty || inputTopics.contains(where: \.isEmpty) { errors.append("topics: expected one or more topic names") }
        if group.isEmpty { errors.append("group: expected a non-empty consumer group id") }
        if let instanceID, instanceID.isEmpty || instanceID.contains(where: { $0.isWhitespace || $0.isNewline }) {
            errors.append("instance_id: expected a name without spaces, got \"\(instanceID)\"")
        }
        for (name, topic) in [("samples_topic", samplesTopic), ("dead_letter_topic", deadLetterTopic),
                              ("checkpoint_topic", checkpointTopic), ("models_topic", modelsTopic)] where topic.isEmpty {
            errors.append("\(name): expected a topic name")
        }
        if !Set(outputTopics).isDisjoint(with: inputTopics) { errors.append("topics: an input topic cannot also be an output topic") }
        if checkpointEveryEvents < 1 { errors.append("checkpoint_every_events: expected an integer ≥ 1, got \(checkpointEveryEvents)") }
        if checkpointEveryEventTime <= .zero { errors.append("checkpoint_every_event_time: expected a positive duration") }
        if !(1...10_000).contains(checkpointFullEvery) {
            errors.append("checkpoint_full_every: expected an integer from 1 (every checkpoint whole) to 10000, got \(checkpointFullEvery)")
        }
        if !(0...256).contains(threads) { errors.append("engine.threads: expected an integer from 0 (one per core) to 256, got \(threads)") }
        if pollBatch < 1 { errors.append("poll_batch: expected an integer ≥ 1, got \(pollBatch)") }
        if maxMessageBytes < 1024 { errors.append("max_message_bytes: expected at least 1024, got \(maxMessageBytes)") }
        if maxInFlightMessages < 1 { errors.append("max_in_flight_messages: expected an integer ≥ 1") }
        if !Self.lingerRange.contains(linger) { errors.append("linger: expected a duration from 0s to 900s, got \(linger.milliseconds)ms") }
        return errors
    }
}

extension PipelineConfiguration {
    /// The topics the pipeline writes: samples, dead letters, checkpoints, models.
    public var outputTopics: [String] { [samplesTopic, deadLetterTopic, checkpointTopic, modelsTopic] }

    /// Why topics of these partition counts (name → partitions) cannot serve
    /// the configuration: one sentence for each input and each output
    /// co-partitioned with it (samples, dead letters) that has fewer
    /// partitions, inputs in order; topics not in `partitions` are not judged.
    func narrowOutputs(_ partitions: [String: Int32]) -> [String] {
        inputTopics.flatMap { input in
            [samplesTopic, deadLetterTopic].compactMap { output in
                guard let inputCount = partitions[input], let outputCount = partitions[output], outputCount < inputCount else { return nil }
                return "'\(output)' has \(outputCount) partitions but input '\(input)' has \(inputCount): outputs are co-partitioned with the input (partition p → partition p), so they need at least as many; recreate '\(output)' or name another samples_topic / dead_letter_topic"
            }
        }
    }

    /// Whether a partition's next checkpoint is due: `eventsSince` events
    /// since its last one reach ``checkpointEveryEvents``, or its event time
    /// `now` is ``checkpointEveryEventTime`` past `lastEventTime` (the event
    /// time at its last checkpoint).
    public func checkpointDue(eventsSince: Int, now: Int64?, lastEventTime: Int64?) -> Bool {
        if eventsSince >= checkpointEveryEvents { return true }
        guard let now, let lastEventTime else { return false }
        return now - lastEventTime >= checkpointEveryEventTime.components.seconds * 1000
    }
}
