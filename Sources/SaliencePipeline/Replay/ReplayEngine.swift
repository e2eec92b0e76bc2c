import Foundation
import Logging
import SalienceCore
import SalienceKafka

/// Replays historical topics, bounded and deterministically: reads each
/// partition from its start to its end offset, in partition order, through
/// the same decoder and estimator as `salience run`, and hands the samples to
/// a sink. It reads only: it never joins the live group, never commits and
/// never writes the checkpoint topic.
public final class ReplayEngine {
    /// What a replay did.
    public struct Summary: Sendable, Equatable {
        public var events = 0
        public var samples = 0
        public var notKept = 0
        public var deadLetters = 0
        public var ranges: [ReplayPartitionRange] = []
        /// Whether the replay was asked to stop before the end of its ranges.
        public var stopped = false
    }

    private let kafka: KafkaClientConfiguration
    private let estimator: EstimatorConfiguration
    private let decoder: EventDecoder
    private let logger: Logger

    public init(kafka: KafkaClientConfiguration, estimator: EstimatorConfiguration,
                decoder: EventDecoder.Configuration = .init(), logger: Logger) {
        self.kafka = kafka
        self.estimator = estimator
        self.decoder = EventDecoder(configuration: decoder)
        self.logger = logger
    }

    /// Every partition of `topics`, topic by topic (from the cluster's metadata).
    public func partitions(of topics: [String]) throws -> [KafkaTopicPartition] {
        let admin = try KafkaAdmin(configuration: kafka, logger: logger)
        return try topics.flatMap { topic in
            try admin.describeTopic(topic, timeout: .seconds(15)).partitions.map { KafkaTopicPartition(topic: topic, partition: $0.id) }
        }
    }

    /// The offset range of every partition of `topics` for `start` and `end`.
    public func ranges(topics: [String], start: ReplayStart, end: ReplayEnd) throws -> [ReplayPartitionRange] {
        let all = try partitions(of: topics)
        let consumer = try readerConsumer()
        defer { try? consumer.close() }
        let reader = try PartitionReader(kafka: kafka, logger: logger)
        var ranges: [ReplayPartitionRange] = []
        // Read to the end: a broker's high watermark can fall short of it (docs/brokers.md, Tansu).
        let bounds = try reader.bounds(all).mapValues { $0.low..<max($0.low, $0.end) }
        for topic in topics {
            let partitions = all.filter { $0.topic == topic }
            let topicBounds = bounds.filter { $0.key.topic == topic }
            let starts: [KafkaTopicPartition: Int64]
            switch start {
            case .time(let milliseconds):
                starts = try consumer.offsets(forTimestamp: milliseconds, in: topicBounds, timeout: .seconds(30))
            case .offsets(let explicit):
                starts = explicit
            case .earliest:
                starts = [:]
            }
            let ends: [KafkaTopicPartition: Int64]
            switch end {
            case .end:
                ends = [:]
            case .time(let milliseconds):
                ends = try consumer.offsets(forTimestamp: milliseconds, in: topicBounds, timeout: .seconds(30))
            }
            for partition in partitions {
                let (low, high) = (bounds[partition]!.lowerBound, bounds[partition]!.upperBound)
                let first = max(low, starts[partition] ?? low)
                let last = min(high, ends[partition] ?? high)
                ranges.append(ReplayPartitionRange(partition: partition, start: first, end: max(first, last)))
            }
        }
        return ranges
    }

    /// Replays `ranges`, each partition from empty state or from its entry in
    /// `states` (which then must start at the checkpoint's offset).
    ///
    /// - Parameters:
    ///   - emit: receives each released sample, in partition then offset order
    ///     (several per event under delayed-feedback labels and negatives).
    ///     Exposures still waiting for their label at a range's end are not
    ///     emitted (their label is unknown), as in a running pipeline.
    ///   - progress: called now and then with offsets done and events seen.
    ///   - stopRequested: checked between polls; when it holds the replay
    ///     returns early with ``Summary/stopped`` set.
    public func replay(
        _ ranges: [ReplayPartitionRange],
        states: [KafkaTopicPartition: ImportanceEstimator] = [:],
        emit: (WeightedSample) throws -> Void,
        progress: (Int64, Int) -> Void = { _, _ in },
        stopRequested: () -> Bool = { false }
    ) throws -> Summary {
        let consumer = try readerConsumer()
        defer { try? consumer.close() }
        var summary = Summary(ranges: ranges)
        var done: Int64 = 0
        for range in ranges where range.count > 0 {
            let task = PartitionTask(
                partition: range.partition,
                estimator: states[range.partition] ?? ImportanceEstimator(configuration: estimator),
                startOffset: range.start, generation: 0, lastManifest: nil, suppressSamplesThrough: .none, suppressDeadLettersThrough: -1
            )
            try consumer.assign([KafkaTopicPartitionOffset(range.partition, offset: range.start)])
            var position = range.start
            var idle = ContinuousClock.now
            var batch = KafkaMessageBatch(keepingHeaders: false)
            while position < range.end {
                if stopRequested() {
                    summary.stopped = true
                    return summary
                }
                try consumer.poll(into: &batch, maxMessages: 2000, timeout: .milliseconds(200))
                let messages = batch.messages
                if messages.isEmpty, ContinuousClock.now - idle > .seconds(30) {
                    throw KafkaError(code: .timedOut, name: "_TIMED_OUT",
                                     message: "replay of \(range.partition) stalled at offset \(position) of \(range.end)", severity: .retriable)
                }
                if !messages.isEmpty { idle = ContinuousClock.now }
                // From `position` on: a range handed out again (librdkafka issue #4637) is not replayed twice.
                for message in messages where message.topicPartition == range.partition && (position..<range.end).contains(message.offset) {
                    done += message.offset + 1 - position
                    position = message.offset + 1
                    switch task.handle(message, in: batch, decoder: decoder) {
                    case .processed(let release, let samples, _):
                        summary.events += 1
                        if !release.result.kept { summary.notKept += 1 }
                        summary.samples += samples.count
                        for sample in samples { try emit(sample) }
                    case .deadLetter:
                        summary.events += 1
                        summary.deadLetters += 1
                    case .suppressedDeadLetter, .alreadyProcessed:
                        break
                    }
                }
                // Past the end, or at it across a gap (compaction, transaction markers).
                var consumed = position
                if let last = messages.last(where: { $0.topicPartition == range.partition }) {
                    consumed = last.offset + 1
                } else if let next = try consumer.position([range.partition]).first?.offset {
                    consumed = max(consumed, next)
                }
                if consumed >= range.end {
                    done += range.end - position
                    position = range.end
                }
                progress(done, summary.events)
            }
        }
        return summary
    }

    private func readerConsumer() throws -> KafkaConsumer {
        var configuration = KafkaConsumerConfiguration(client: kafka)
        configuration.client.clientID = kafka.clientID + "-replay"
        configuration.isolationLevel = .readCommitted
        // A replay reads retained data: answer each fetch at once rather than wait for more.
        configuration.client.properties["fetch.wait.max.ms"] = configuration.client.properties["fetch.wait.max.ms"] ?? "10"
        return try KafkaConsumer(configuration: configuration, logger: logger)
    }
}
