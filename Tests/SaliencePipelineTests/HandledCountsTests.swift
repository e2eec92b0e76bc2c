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
        var released: [WeightedSample] = []
        for (index, event) in events.enumerated() {
            if index % 500 == 7 {
                handled.countUndecodable(suppressed: index < 1000)
                continue
            }
            let release = estimator.release(event, into: &samples)
            let suppressed = index < 100 ? 1 : 0
            handled.count(release, suppressed: suppressed)
            released.append(release.result.sample)
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

        // The weight histograms: every released event once, per component.
        let histograms = metrics.weights.snapshot
        #expect(histograms.map(\.component) == WeightHistogramLayout.components)
        let values: [[Double]] = [
            released.map(\.weight), released.map(\.components.objective), released.map(\.components.expert),
            released.map(\.components.classBalance), released.map(\.components.popularity),
            released.map(\.components.userDamping), released.map(\.components.gradientScore),
            released.map(\.components.samplingWeight),
        ]
        for (histogram, values) in zip(histograms, values) {
            #expect(histogram.count == released.count, "\(histogram.component)")
            #expect(abs(histogram.sum - values.reduce(0, +)) <= 1e-9 * max(1, abs(histogram.sum)), "\(histogram.component)")
            #expect(histogram.cumulativeCounts == WeightHistogramLayout.bounds.map { bound in values.count { $0 <= bound } }, "\(histogram.component)")
        }
        #expect(Set(values[0]).count > 10, "the weights vary, so the buckets are exercised")
    }

    /// A value on a bound is in that bucket (Prometheus' `le`); above the
    /// last bound, infinite or NaN, it is only in the count.
    @Test func weightBucketsFollowTheirBounds() {
        var tally = WeightTally()
        for value in [0.0, 0.01, 0.010001, 1, 1.5, 100, 100.5, .infinity, .nan] { tally.add(value, component: 2) }
        let histograms = WeightHistograms()
        histograms.add(tally)
        histograms.add(tally)
        let expert = histograms.snapshot[2]
        #expect(expert.component == "expert")
        #expect(expert.count == 18)
        #expect(expert.cumulativeCounts == [4, 6, 6, 6, 6, 6, 8, 10, 10, 10, 10, 10, 12])
        #expect(expert.sum.isNaN)
        #expect(histograms.snapshot[1].count == 0 && histograms.snapshot[1].cumulativeCounts.allSatisfy { $0 == 0 })
    }

    @Test func anEmptyBatchPublishesNothing() {
        let statistics = PipelineStatistics()
        statistics.publish(HandledCounts())
        #expect(statistics.snapshot.eventsIn == 0)
        #expect(HandledCounts().isEmpty)
        #expect(WeightTally().isEmpty)
    }
}
