import Foundation
import SalienceKafka
import SaliencePipeline
import SalienceTestSupport
import Testing

@Suite(.ownThreads, .timeLimit(.minutes(5)))
struct StaleCheckpointTests {
    /// A checkpoint file whose offset lies past the end of its partition (the
    /// topic was recreated, or the file belongs to another cluster) would start
    /// the partition at its end and skip everything in it: the run refuses it,
    /// naming the file and both offsets.
    @Test func aCheckpointBeyondThePartitionsEndIsRefusedNamingTheFileAndOffsets() async throws {
        let directory = FileManager.default.temporaryDirectory.appendingPathComponent("stale-\(UUID().uuidString.prefix(8))").path
        let group = "stale-\(UUID().uuidString.prefix(8))"
        let first = try PipelineHarness(partitions: 4, brokers: 1)
        try first.produce(PipelineHarness.synthetic(400, seed: 5))
        var configuration = first.configuration(group: group)
        configuration.checkpointDirectory = directory
        let statistics = try await first.run(configuration) { $0.samplesOut >= 400 }
        #expect(statistics.samplesOut == 400)

        // A new cluster, the same topic names, fewer events: every partition ends before its checkpoint.
        let second = try PipelineHarness(partitions: 4, brokers: 1)
        try second.produce(PipelineHarness.synthetic(4, users: 4, seed: 6))
        var again = second.configuration(group: group)
        again.checkpointDirectory = directory
        let engine = try PipelineEngine(configuration: again, logger: second.logger)
        let running = Task { try await PipelineService(engine: engine).run() }
        let deadline = ContinuousClock.now + .seconds(60)
        while engine.health.snapshot.failure == nil, ContinuousClock.now < deadline {
            try await Task.sleep(for: .milliseconds(100))
        }
        engine.requestStop()
        let error = await #expect(throws: PipelineError.self) { try await running.value }
        #expect(error?.code == .incompatibleCheckpoint)
        let message = error?.message ?? ""
        #expect(message.contains(directory + "/" + group + "/events/"), "names the file: \(message)")
        #expect(message.contains("resumes at offset"), "names the checkpoint's offset: \(message)")
        #expect(message.contains("ends at offset"), "names the partition's end: \(message)")
        #expect(engine.statistics.snapshot.samplesOut == 0)
    }
}
