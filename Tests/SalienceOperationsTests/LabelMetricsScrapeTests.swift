import Foundation
import Logging
import SalienceCore
import SalienceDatasets
import SalienceOperations
import SaliencePipeline
import SalienceTestSupport
import Testing

@Suite("Label-policy metrics scraped from a running pipeline", .ownThreads, .timeLimit(.minutes(3)))
struct LabelMetricsScrapeTests {
    /// One partition under attribution with a small pending bound and one
    /// negative per positive: the label counters, the pending gauge and the
    /// sample count equal what the core estimator makes of the same stream.
    @Test func labelCountersEqualTheCoreRun() async throws {
        let logger = Logger(label: "salience.test")
        let events = Array(SyntheticEventStream(configuration: .init(users: 40, items: 60, seed: 12)).prefix(2000))
        var estimator = ScrapedPipeline.smallEstimator
        Self.attribution(&estimator)

        var reference = ImportanceEstimator(configuration: estimator)
        var samples: [WeightedSample] = []
        var outcomes = LabelOutcomes()
        var skipped = 0
        for (offset, event) in events.enumerated() {
            let release = reference.release(event, source: SourcePosition(topic: "events", partition: 0, offset: Int64(offset)), into: &samples)
            outcomes += release.labels
            skipped += release.negativesSkipped
        }
        #expect(outcomes.converted > 0 && outcomes.expired > 0 && outcomes.releasedEarly > 0, "\(outcomes)")

        let pipeline = try await ScrapedPipeline(
            partitions: 1, messages: ScrapedPipeline.messages(events), group: "label-scrape",
            operations: OperationsConfiguration(port: 0), logger: logger, configureEstimator: Self.attribution
        )
        let engine = pipeline.engine
        let server = pipeline.server
        let running = Task { try await PipelineService(engine: engine).run() }
        var metrics = ""
        let deadline = ContinuousClock.now + .seconds(90)
        while ContinuousClock.now < deadline {
            metrics = try await httpGet(port: server.port, path: "/metrics").body
            if engine.statistics.snapshot.samplesOut == samples.count,
               metricSum(metrics, "salience_label_pending_exposures") == Double(reference.pendingExposures) { break }
            try await Task.sleep(for: .milliseconds(200))
        }
        #expect(metricValue(metrics, "salience_samples_total") == Double(samples.count))
        #expect(metricValue(metrics, #"salience_label_exposures_total{outcome="converted"}"#) == Double(outcomes.converted))
        #expect(metricValue(metrics, #"salience_label_exposures_total{outcome="expired"}"#) == Double(outcomes.expired))
        #expect(metricValue(metrics, #"salience_label_exposures_total{outcome="released_early"}"#) == Double(outcomes.releasedEarly))
        #expect(metricValue(metrics, #"salience_label_exposures_total{outcome="late"}"#) == Double(outcomes.late))
        #expect(metricValue(metrics, "salience_label_unattributed_conversions_total") == Double(outcomes.unattributedConversions))
        #expect(metricValue(metrics, "salience_negatives_skipped_total") == Double(skipped))
        #expect(metricSum(metrics, "salience_label_pending_exposures") == Double(reference.pendingExposures))

        engine.requestStop()
        try await running.value
        try await pipeline.stopServing()
    }

    /// Attribution with a small pending bound and one negative per positive.
    static func attribution(_ estimator: inout EstimatorConfiguration) {
        estimator.labels.policy = .attribution
        estimator.labels.window = .seconds(20)
        estimator.allowedLateness = .zero
        estimator.labels.maxPending = 250
        estimator.negatives.perPositive = 1
        estimator.negatives.rebuildEveryEvents = 100
    }
}
