import Foundation
import SalienceCore
import SalienceKafka
import SaliencePipeline
import SalienceTestSupport
import Testing

@Suite(.ownThreads, .serialized, .timeLimit(.minutes(5)))
struct ScaleOutTests {
    /// Three `salience run` processes in one group over 12 partitions; one is
    /// killed. Its partitions move to the others, which restore their state from
    /// checkpoints: the samples are exactly those of one uninterrupted estimator
    /// per partition, which they could not be had any partition restarted empty.
    @Test
    func partitionsMoveWithTheirState() async throws {
        let harness = try PipelineHarness(partitions: 12)
        let input = try RealEvents.taobao(36_000)
        try harness.produce(input)
        let group = "scale-\(UUID().uuidString.prefix(8))"
        let processes = try (0..<3).map { _ in try SalienceProcess(run: harness, group: group, delivery: .exactlyOnce) }
        let reader = try KafkaConsumer(configuration: KafkaConsumerConfiguration(client: harness.kafka), logger: harness.logger)
        defer { try? reader.close() }
        var deadline = ContinuousClock.now + .seconds(90)
        while try harness.written("samples", reader: reader) < Int64(input.count / 3), ContinuousClock.now < deadline {
            try await Task.sleep(for: .milliseconds(50))
        }
        processes[1].kill()
        deadline = ContinuousClock.now + .seconds(150)
        while try harness.written("samples", reader: reader) < Int64(input.count), ContinuousClock.now < deadline {
            try await Task.sleep(for: .milliseconds(200))
        }
        #expect(processes[0].terminate() == 0)
        #expect(processes[2].terminate() == 0)

        let reference = harness.reference(try harness.readAll(harness.events))
        let samples = try harness.readAll("samples")
        for partition in 0..<harness.partitions {
            let written = samples[partition] ?? []
            let expected = reference.samples[partition] ?? []
            #expect(written.count == expected.count, "partition \(partition): none lost or doubled")
            #expect(
                written.map(\.value) == expected.map(\.jsonBytes),
                "partition \(partition): estimates continue from the checkpointed state; \(OutputDifference(written: written.map(\.value), expected: expected.map(\.jsonBytes)))"
            )
        }
    }
}
