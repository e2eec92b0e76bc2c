@testable import SaliencePipeline
import MetricsTestKit
import SalienceCore
import SalienceDatasets
import SalienceTestSupport
import Testing

/// The engine's one count per input message, without a broker: what the
/// statistics and the metrics both read.
@Suite(.ownThreads) struct HandledCountsTests {
    /// An attribution-labelled stream with negatives, sampling and bad
    /// messages, counted once per message and published in batches: the
    /// statistics and every metric counter equal the totals taken from the
    /// core estimator's releases directly.
    @Test func statisticsAndMetricsReadTheSameCounts() throws {
        var configuration = EstimatorConfiguration()
        configuration.features.bits = 14
        configuration.labels.policy = .attribution
        configuration.labels.maxPending = 250
        configuration.labels.window = .seconds(20)
        configuration.allowedLateness = .zero
        configuration.negatives.perPositive = 1
        configuration.negatives.rebuildEveryEvents = 200
        configuration.samplingEnabled = true
        configuration.samplingTargetRate = 0.5
        var estimator = ImportanceEstimator(configuration: configuration)
        let events = Array(SyntheticEventStream(configuration: .init(users: 30, items: 50, seed: 5)).prefix(3000))

        let factory = TestMetrics()
        let metrics = PipelineMetrics(factory: factory)
        let statistics = PipelineStatistics()
        var handled = HandledCounts()
        var expected = (byType: [BehaviorType: Int](), notKept: 0, converted: 0, expired: 0, releasedEarly: 0, skipped: 0, suppressed: 0)
        var samples: [WeightedSample] = []
        for (index, event) in events.enumerated() {
            if index % 500 == 7 {
                handled.countUndecodable(suppressed: index < 1000)
                continue
            }
            let release = estimator.release(event, into: &samples)
            let suppressed = index < 100 ? 1 : 0
            handled.count(release, suppressed: suppressed)
            expected.byType[event.type, default: 0] += 1
            if !release.result.kept { expected.notKept += 1 }
            expected.converted += release.labels.converted
            expected.expired += release.labels.expired
            expected.releasedEarly += release.labels.releasedEarly
            expected.skipped += release.negativesSkipped
            expected.suppressed += suppressed
            // A batch of 256 messages, as a poll hands them over.
            if index % 256 == 255 {
                statistics.publish(handled)
                metrics.publish(handled)
                handled = HandledCounts()
            }
        }
        statistics.publish(handled)
        metrics.publish(handled)
        #expect(expected.notKept > 0 && expected.converted > 0 && expected.expired > 0)

        let snapshot = statistics.snapshot
        #expect(snapshot.eventsIn == events.count)
        #expect(snapshot.eventsByType == expected.byType)
        #expect(snapshot.samplesNotKept == expected.notKept)
        #expect(snapshot.samplesSuppressed == expected.suppressed)
        #expect(snapshot.deadLettersSuppressed == 2)
        for type in BehaviorType.allCases {
            let counted = try? factory.expectCounter("salience_events_total", [("type", type.name)]).totalValue
            #expect((counted ?? 0) == Int64(expected.byType[type] ?? 0), "\(type.name)")
        }
        #expect(try factory.expectCounter("salience_events_total", [("type", "undecodable")]).totalValue == 6)
        #expect(try factory.expectCounter("salience_samples_not_kept_total").totalValue == Int64(expected.notKept))
        #expect(try factory.expectCounter("salience_label_exposures_total", [("outcome", "converted")]).totalValue == Int64(expected.converted))
        #expect(try factory.expectCounter("salience_label_exposures_total", [("outcome", "expired")]).totalValue == Int64(expected.expired))
        #expect(try factory.expectCounter("salience_label_exposures_total", [("outcome", "released_early")]).totalValue
            == Int64(expected.releasedEarly))
        #expect(try factory.expectCounter("salience_negatives_skipped_total").totalValue == Int64(expected.skipped))
    }

    @Test func anEmptyBatchPublishesNothing() {
        let statistics = PipelineStatistics()
        statistics.publish(HandledCounts())
        #expect(statistics.snapshot.eventsIn == 0)
        #expect(HandledCounts().isEmpty)
    }
}
