import CoreMetrics
import Foundation
import SalienceCore
import SalienceKafka

/// The pipeline's metrics through swift-metrics. Every handle on a hot path
/// is made once, so an event only updates counters and histograms; the
/// backend (Prometheus in `salience run`) is the factory passed in.
///
/// Names follow Prometheus conventions: `salience_events_total{type}`,
/// `salience_samples_total`, `salience_dead_letters_total{reason}`,
/// and so on; docs/operations.md lists them. The weight histograms
/// `salience_weight{component}` are ``weights``, outside swift-metrics: its
/// histograms take one lock per recorded value, eight per event here.
public final class PipelineMetrics: Sendable {
    private let factory: any MetricsFactory
    private let eventsByType: [Counter]
    private let undecodedEvents: Counter
    private let samplesOut: Counter
    private let sampleLatency: CoreMetrics.Timer
    private let samplesNotKept: Counter
    private let deadLettersByReason: [String: Counter]
    let checkpoints: Counter
    /// Checkpoints whose first chunks the checkpoint topic no longer held right after they were written.
    let checkpointsEvicted: Counter
    let transactionsCommitted: Counter
    let transactionsAborted: Counter
    let partitionsAssigned: Counter
    let partitionsRevoked: Counter
    /// `salience_weight{component}`: a histogram per weight component, added to once per batch.
    public let weights = WeightHistograms()
    private let exposuresConverted: Counter
    private let exposuresExpired: Counter
    private let exposuresReleasedEarly: Counter
    private let exposuresLate: Counter
    private let unattributedConversions: Counter
    private let negativesSkipped: Counter

    /// From the input message's timestamp to the sample's delivery report.
    public static let latencyLabel = "salience_sample_latency_seconds"

    init(factory: any MetricsFactory) {
        self.factory = factory
        eventsByType = BehaviorType.allCases.map {
            Counter(label: "salience_events_total", dimensions: [("type", $0.name)], factory: factory)
        }
        undecodedEvents = Counter(label: "salience_events_total", dimensions: [("type", "undecodable")], factory: factory)
        samplesOut = Counter(label: "salience_samples_total", factory: factory)
        sampleLatency = CoreMetrics.Timer(label: Self.latencyLabel, factory: factory)
        samplesNotKept = Counter(label: "salience_samples_not_kept_total", factory: factory)
        deadLettersByReason = Dictionary(uniqueKeysWithValues: EventDecodingError.Reason.allCases.map {
            ($0.rawValue, Counter(label: "salience_dead_letters_total", dimensions: [("reason", $0.rawValue)], factory: factory))
        })
        checkpoints = Counter(label: "salience_checkpoints_total", factory: factory)
        checkpointsEvicted = Counter(label: "salience_checkpoints_evicted_total", factory: factory)
        transactionsCommitted = Counter(label: "salience_transactions_total", dimensions: [("outcome", "committed")], factory: factory)
        transactionsAborted = Counter(label: "salience_transactions_total", dimensions: [("outcome", "aborted")], factory: factory)
        partitionsAssigned = Counter(label: "salience_rebalance_partitions_total", dimensions: [("change", "assigned")], factory: factory)
        partitionsRevoked = Counter(label: "salience_rebalance_partitions_total", dimensions: [("change", "revoked")], factory: factory)
        func exposures(_ outcome: String) -> Counter {
            Counter(label: "salience_label_exposures_total", dimensions: [("outcome", outcome)], factory: factory)
        }
        exposuresConverted = exposures("converted")
        exposuresExpired = exposures("expired")
        exposuresReleasedEarly = exposures("released_early")
        exposuresLate = exposures("late")
        unattributedConversions = Counter(label: "salience_label_unattributed_conversions_total", factory: factory)
        negativesSkipped = Counter(label: "salience_negatives_skipped_total", factory: factory)
    }

    /// Adds what an engine thread handled (one increment per counter per batch, not per event).
    func publish(_ handled: HandledCounts) {
        func add(_ counter: Counter, _ amount: Int) {
            if amount > 0 { counter.increment(by: Int64(amount)) }
        }
        for type in BehaviorType.allCases { add(eventsByType[Int(type.rawValue)], handled.eventsByType[Int(type.rawValue)]) }
        add(undecodedEvents, handled.undecodable)
        add(samplesNotKept, handled.samplesNotKept)
        add(exposuresConverted, handled.labels.converted)
        add(exposuresExpired, handled.labels.expired)
        add(exposuresReleasedEarly, handled.labels.releasedEarly)
        add(exposuresLate, handled.labels.late)
        add(unattributedConversions, handled.labels.unattributedConversions)
        add(negativesSkipped, handled.negativesSkipped)
        weights.add(handled.weights)
    }

    /// Counts a delivered sample and records its latency: wall-clock now
    /// minus the input message's timestamp (meaningful when producers stamp
    /// messages at send time, Kafka's default, or the topic uses LogAppendTime).
    func recordSampleDelivered(inputTimestampMilliseconds: Int64?) {
        samplesOut.increment()
        guard let inputTimestampMilliseconds else { return }
        var now = timespec()
        clock_gettime(CLOCK_REALTIME, &now)
        let nanoseconds = Int64(now.tv_sec) * 1_000_000_000 + Int64(now.tv_nsec) - inputTimestampMilliseconds * 1_000_000
        sampleLatency.recordNanoseconds(max(0, nanoseconds))
    }

    func recordDeadLetter(reason: String) {
        (deadLettersByReason[reason] ?? Counter(label: "salience_dead_letters_total", dimensions: [("reason", reason)], factory: factory)).increment()
    }

    func recordProducerError(_ error: KafkaError) {
        Counter(label: "salience_producer_errors_total", dimensions: [("code", error.name)], factory: factory).increment()
    }

    /// Gauges of one assigned partition, made on assignment and destroyed on revocation.
    final class PartitionGauges: Sendable {
        let lag: Gauge
        let checkpointAge: Gauge
        let checkpointBytes: Gauge
        let modelLogLoss: Gauge
        /// The expected kept fraction of recent events (the estimator's achieved keep rate).
        let keepRatio: Gauge
        let pendingExposures: Gauge

        init(_ partition: KafkaTopicPartition, factory: any MetricsFactory) {
            let dimensions = [("topic", partition.topic), ("partition", String(partition.partition))]
            lag = Gauge(label: "salience_consumer_lag", dimensions: dimensions, factory: factory)
            checkpointAge = Gauge(label: "salience_checkpoint_age_seconds", dimensions: dimensions, factory: factory)
            checkpointBytes = Gauge(label: "salience_checkpoint_bytes", dimensions: dimensions, factory: factory)
            modelLogLoss = Gauge(label: "salience_model_logloss", dimensions: dimensions, factory: factory)
            keepRatio = Gauge(label: "salience_sampling_keep_ratio", dimensions: dimensions, factory: factory)
            pendingExposures = Gauge(label: "salience_label_pending_exposures", dimensions: dimensions, factory: factory)
        }

        func destroy() {
            for gauge in [lag, checkpointAge, checkpointBytes, modelLogLoss, keepRatio, pendingExposures] { gauge.destroy() }
        }
    }

    func gauges(for partition: KafkaTopicPartition) -> PartitionGauges {
        PartitionGauges(partition, factory: factory)
    }
}
