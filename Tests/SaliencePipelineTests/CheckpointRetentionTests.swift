@testable import SaliencePipeline
import Foundation
import SalienceCore
import SalienceKafka
import SalienceTestSupport
import Testing

@Suite(.ownThreads, .timeLimit(.minutes(5)))
struct CheckpointRetentionTests {
    /// Checkpoints that together outgrow what the checkpoint topic keeps
    /// cannot all be restored: the run says so when it writes them, not later
    /// when a restore finds nothing. Here sixteen partitions' states, written
    /// at shutdown (180,000 events) to a one-partition checkpoint topic on the embedded broker
    /// (which keeps about 5 MiB); nearly all-distinct ids and twelve crosses
    /// of the user or item make each event write fifteen new coordinates (and
    /// each new id an exact count in the sketches), so together they are
    /// several MiB even compressed.
    @Test func checkpointsTheTopicCannotKeepAreReportedWhenTheyAreWritten() async throws {
        let harness = try PipelineHarness(partitions: 16, brokers: 1)
        try harness.cluster.createTopic("small-checkpoints", partitions: 1)
        let events = PipelineHarness.synthetic(180_000, users: 600_000, items: 1_200_000, seed: 3)
        try harness.produce(events)
        var configuration = harness.configuration()
        configuration.checkpointTopic = "small-checkpoints"
        configuration.checkpointEveryEvents = 1_000_000
        configuration.checkpointEveryEventTime = .seconds(365 * 86_400)
        configuration.estimator = EstimatorConfiguration()
        configuration.estimator.features.fields = [.user, .item, .category, .hour, .weekday]
        configuration.estimator.features.crosses = [
            FeatureCross(.user, .item), FeatureCross(.user, .category), FeatureCross(.user, .hour), FeatureCross(.user, .weekday),
            FeatureCross(.user, .behavior), FeatureCross(.user, .priceBucket),
            FeatureCross(.item, .hour), FeatureCross(.item, .weekday), FeatureCross(.item, .category), FeatureCross(.item, .behavior),
            FeatureCross(.item, .priceBucket), FeatureCross(.category, .hour),
        ]
        let statistics = try await harness.run(configuration, timeout: .seconds(240)) { $0.samplesOut >= events.count }
        #expect(statistics.samplesOut == events.count)
        #expect(statistics.checkpoints == 16)
        #expect(statistics.checkpointBytes > 5 << 20, "\(statistics.checkpointBytes) bytes of checkpoint")
        let reader = try KafkaConsumer(configuration: KafkaConsumerConfiguration(client: harness.kafka), logger: harness.logger)
        defer { try? reader.close() }
        let kept = try reader.watermarks(of: KafkaTopicPartition(topic: "small-checkpoints", partition: 0), timeout: .seconds(10))
        #expect(statistics.checkpointsEvicted >= 1, "\(statistics.checkpointsEvicted) reported of \(statistics.checkpointBytes) bytes; the topic keeps offsets \(kept.low)..<\(kept.high)")
    }

    /// The default estimator's state is up to about 24 MB in memory, but a
    /// checkpoint of a partition that has seen little fits the embedded broker.
    @Test func aDefaultSizeCheckpointOfALittleTrafficFitsTheEmbeddedBroker() async throws {
        let harness = try PipelineHarness(partitions: 1, brokers: 1)
        try harness.produce(PipelineHarness.synthetic(500, seed: 3))
        var configuration = harness.configuration()
        configuration.estimator = EstimatorConfiguration()
        let statistics = try await harness.run(configuration) { $0.samplesOut >= 500 }
        #expect(statistics.checkpoints == 1)
        #expect(statistics.checkpointsEvicted == 0)
        let stored = try CheckpointStore(kafka: harness.kafka, topic: "checkpoints", logger: harness.logger)
            .newest(group: configuration.group, topic: harness.events, partition: 0)
        #expect(stored?.checkpoint?.nextOffset == 500)
        let storedBytes = stored?.manifest?.parts.reduce(0) { $0 + $1.byteCount } ?? .max
        #expect(storedBytes < 1 << 20, "compressed: \(storedBytes) bytes")
        // The statistics count the bytes stored: the full state and its manifest.
        let manifestBytes = stored.flatMap { $0.manifest?.encoded(fingerprint: configuration.estimator.fingerprint).count } ?? 0
        #expect(statistics.checkpointBytes == storedBytes + manifestBytes)
        #expect(statistics.fullCheckpoints == 1)
    }

    /// Missing chunks are named, and told apart: below the partition's start
    /// (evicted by retention) or in the middle (torn by a crash).
    @Test func aSurveyNamesTornAndEvictedChunks() {
        let location = KafkaTopicPartition(topic: "checkpoints", partition: 2)
        let survey = ChunkedRecords.Survey(location: location, low: 120, high: 200, records: [
            .init(name: "changes-9", id: 9, count: 46, present: Set(40..<46)),
            .init(name: "full-1", id: 8, count: 4, present: [0, 1, 3]),
            .init(name: "manifest-1", id: 7, count: 2, present: [0, 1]),
        ])
        #expect(survey.lines == [
            "changes-9 of generation 9: 6 of 46 chunks present; missing 0–39 — evicted: checkpoints/2 now starts at offset 120 (the broker's retention dropped its head)",
            "full-1 of generation 8: 3 of 4 chunks present; missing 2 — torn (a crash while it was written)",
            "manifest-1 of generation 7: all 2 chunks present",
        ])
        #expect(ChunkedRecords.Survey(location: location, low: 0, high: 0, records: []).lines
            == ["checkpoints/2 (offsets 0..<0) holds no chunk of it"])
    }
}
