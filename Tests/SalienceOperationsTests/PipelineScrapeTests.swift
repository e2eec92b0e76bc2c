import Foundation
import Logging
import SalienceCore
import SalienceDatasets
import SalienceOperations
import SaliencePipeline
import SalienceTestSupport
import Testing

@Suite("Metrics scraped from a running pipeline", .ownThreads, .timeLimit(.minutes(3)))
struct PipelineScrapeTests {
    @Test("/metrics counts exactly the events fed, by type and dead-letter reason; /readyz turns 200 once caught up")
    func scrapeDuringRun() async throws {
        let logger = Logger(label: "salience.test")
        let partitions: Int32 = 4

        // Input: generated events plus malformed messages of known reasons.
        let events = Array(SyntheticEventStream(configuration: .init(users: 500, items: 2000, seed: 7)).prefix(3000))
        let malformed: [[UInt8]] = [
            Array("not json".utf8), Array("[1, 2]".utf8), Array("{}".utf8), Array(#"{"user_id":"u","item_id":"i","type":"teleport","ts":1700000000000}"#.utf8),
            [0x7B, 0xFF, 0x7D], Array("".utf8), Array(#"{"user_id":"u","item_id":"i","type":"view","ts":"yesterday"}"#.utf8),
        ]
        let decoder = EventDecoder()
        var expectedReasons: [String: Int] = [:]
        for message in malformed {
            do throws(EventDecodingError) { _ = try decoder.decode(message) } catch { expectedReasons[error.reason.rawValue, default: 0] += 1 }
        }
        #expect(expectedReasons.values.reduce(0, +) == malformed.count)
        let pipeline = try await ScrapedPipeline(
            partitions: partitions, messages: ScrapedPipeline.messages(events) + malformed.map { (Array("bad".utf8), $0) },
            group: "scrape", operations: OperationsConfiguration(port: 0, readyMaxLag: 0), logger: logger
        )
        let engine = pipeline.engine
        let server = pipeline.server
        #expect(try await httpGet(port: server.port, path: "/readyz").status == 503)

        let running = Task { try await PipelineService(engine: engine).run() }
        let deadline = ContinuousClock.now + .seconds(90)
        var ready = false
        while ContinuousClock.now < deadline {
            let statistics = engine.statistics.snapshot
            ready = try await httpGet(port: server.port, path: "/readyz").status == 200
            if statistics.samplesOut == events.count, statistics.deadLetters == malformed.count, ready { break }
            try await Task.sleep(for: .milliseconds(200))
        }
        let readiness = try await httpGet(port: server.port, path: "/readyz").body
        #expect(ready, "readiness never passed: \(readiness)")
        #expect(try await httpGet(port: server.port, path: "/healthz").status == 200)

        // Scraped while the pipeline runs.
        let scraped = try await httpGet(port: server.port, path: "/metrics")
        #expect(scraped.status == 200)
        let metrics = scraped.body
        for type in BehaviorType.allCases {
            let fed = events.filter { $0.type == type }.count
            #expect(metricValue(metrics, "salience_events_total{type=\"\(type.name)\"}") == Double(fed), "\(type.name)")
        }
        #expect(metricValue(metrics, #"salience_events_total{type="undecodable"}"#) == Double(malformed.count))
        #expect(metricValue(metrics, "salience_samples_total") == Double(events.count))
        #expect(metricSum(metrics, "salience_dead_letters_total") == Double(malformed.count))
        for (reason, count) in expectedReasons {
            #expect(metricValue(metrics, "salience_dead_letters_total{reason=\"\(reason)\"}") == Double(count), "\(reason)")
        }
        #expect(metricValue(metrics, #"salience_rebalance_partitions_total{change="assigned"}"#) == Double(partitions))
        #expect(metricValue(metrics, #"salience_weight_count{component="objective"}"#) == Double(events.count))
        #expect(metricValue(metrics, #"salience_weight_count{component="sampling"}"#) == Double(events.count))
        #expect(metricSum(metrics, "salience_consumer_lag") == 0)
        #expect(metrics.split(separator: "\n").filter { $0.hasPrefix("salience_consumer_lag{") }.count == Int(partitions))
        #expect(metrics.contains("salience_model_logloss{"))
        // Sampling is off here: every partition keeps every event.
        let keepRatios = metrics.split(separator: "\n").filter { $0.hasPrefix("salience_sampling_keep_ratio{") }
        #expect(keepRatios.count == Int(partitions))
        #expect(keepRatios.allSatisfy { $0.split(separator: " ").last.flatMap { Double($0) } == 1 })
        #expect(metricSum(metrics, "salience_producer_errors_total") == 0)

        engine.requestStop()
        try await running.value
        let after = try await httpGet(port: server.port, path: "/metrics").body
        #expect(metricValue(after, "salience_checkpoints_total") == Double(partitions))
        #expect(metricValue(after, #"salience_rebalance_partitions_total{change="revoked"}"#) == Double(partitions))
        try await pipeline.stopServing()
    }
}
