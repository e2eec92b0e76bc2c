import Foundation
import SalienceCore
import SalienceKafka
@testable import SaliencePipeline
import Testing

@Suite(.timeLimit(.minutes(5)))
struct CheckpointRetentionTests {
    /// With the default estimator (about 40 MB of state) the embedded broker's
    /// 5 MiB partitions cannot keep a checkpoint: the run says so at the first
    /// checkpoint it writes, not later when a restore finds nothing.
    @Test func aCheckpointTheTopicCannotKeepIsReportedWhenItIsWritten() async throws {
        let harness = try PipelineHarness(partitions: 1, brokers: 1)
        try harness.produce(PipelineHarness.synthetic(50, seed: 3))
        var configuration = harness.configuration()
        configuration.estimator = EstimatorConfiguration()
        let statistics = try await harness.run(configuration) { $0.samplesOut >= 50 }
        #expect(statistics.checkpoints == 1)
        #expect(statistics.checkpointsEvicted == 1)

        // And a small state that fits is not reported (a cluster of its own: the
        // first run's samples would suppress this run's output).
        let small = try PipelineHarness(partitions: 1, brokers: 1)
        try small.produce(PipelineHarness.synthetic(50, seed: 3))
        let fitting = try await small.run(small.configuration()) { $0.samplesOut >= 50 }
        #expect(fitting.checkpoints == 1)
        #expect(fitting.checkpointsEvicted == 0)
    }

    /// Missing chunks are named, and told apart: below the partition's start
    /// (evicted by retention) or in the middle (torn by a crash).
    @Test func aSurveyNamesTornAndEvictedChunks() {
        let location = KafkaTopicPartition(topic: "checkpoints", partition: 2)
        let survey = ChunkedRecords.Survey(location: location, low: 120, high: 200, records: [
            .init(id: 9, count: 46, present: Set(40..<46)),
            .init(id: 8, count: 4, present: [0, 1, 3]),
            .init(id: 7, count: 2, present: [0, 1]),
        ])
        #expect(survey.lines == [
            "record 9: 6 of 46 chunks present; missing 0–39 — evicted: checkpoints/2 now starts at offset 120 (the broker's retention dropped its head)",
            "record 8: 3 of 4 chunks present; missing 2 — torn (a crash while it was written)",
            "record 7: all 2 chunks present, but refused (see the warning above)",
        ])
        #expect(ChunkedRecords.Survey(location: location, low: 0, high: 0, records: []).lines
            == ["checkpoints/2 (offsets 0..<0) holds no chunk of it"])
    }
}
