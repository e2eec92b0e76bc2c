import Foundation
import SalienceCore
import SalienceKafka
import SaliencePipeline
import Testing

@Suite(.serialized, .timeLimit(.minutes(15)))
struct CrashRecoveryTests {
    /// Kills `salience run` with SIGKILL at five moments spread over the stream
    /// (after about 1/6, 2/6 … 5/6 of the samples, plus a random delay),
    /// restarting it each time, then lets it finish.
    func runWithCrashes(
        _ harness: PipelineHarness, delivery: DeliveryMode, expected: Int, checkpointEvents: Int = 2000, settings: [String] = []
    ) async throws {
        let group = "crash-\(UUID().uuidString.prefix(8))"
        let reader = try KafkaConsumer(configuration: KafkaConsumerConfiguration(client: harness.kafka), logger: harness.logger)
        defer { try? reader.close() }
        var generator = SplitMix64(seed: 2026)
        for crash in 1...5 {
            let process = try SalienceProcess(run: harness, group: group, delivery: delivery, checkpointEvents: checkpointEvents, settings: settings)
            let before = try harness.written("samples", reader: reader)
            let target = max(before + 1, Int64(expected * crash / 6))
            let deadline = ContinuousClock.now + .seconds(200)
            while try harness.written("samples", reader: reader) < target, ContinuousClock.now < deadline {
                try await Task.sleep(for: .milliseconds(50))
            }
            try await Task.sleep(for: .milliseconds(Int64(generator.next() % 500)))
            process.kill()
        }
        let last = try SalienceProcess(run: harness, group: group, delivery: delivery, checkpointEvents: checkpointEvents, settings: settings)
        let deadline = ContinuousClock.now + .seconds(400)
        var done = false
        while !done, ContinuousClock.now < deadline {
            try await Task.sleep(for: .seconds(1))
            // Exactly once: every sample once. At least once: every source offset at least once.
            done = try harness.written("samples", reader: reader) >= Int64(expected)
                && (delivery == .exactlyOnce || distinctSourceOffsets(harness) == expected)
        }
        #expect(last.terminate() == 0, "salience run exits 0 on SIGTERM")
    }

    /// Distinct (partition, source offset) pairs in the samples topic.
    func distinctSourceOffsets(_ harness: PipelineHarness) throws -> Int {
        try harness.readAll("samples").reduce(0) { total, entry in
            total + Set(entry.value.compactMap { $0.headerNumber(SalienceHeader.sourceOffset) }).count
        }
    }

    /// Under attribution labels with two negatives per positive, so one input
    /// message releases zero to many samples and pending exposures live in the
    /// checkpoints: kill -9 five times and every partition's samples still
    /// equal, byte for byte and in order, the uninterrupted core's.
    @Test
    func exactlyOnceSurvivesKillNine() async throws {
        let harness = try PipelineHarness(partitions: 8)
        let input = try RealEvents.taobao(30_000)
        try harness.produce(input)
        var estimator = PipelineHarness.estimator
        estimator.labels.policy = .attribution
        estimator.labels.maxPending = 5000
        estimator.negatives.perPositive = 2
        estimator.negatives.candidates = 1000
        estimator.negatives.rebuildEveryEvents = 500
        let settings = [
            "estimator.labels.policy=attribution", "estimator.labels.max_pending=5000", "estimator.negatives.per_positive=2",
            "estimator.negatives.candidates=1000", "estimator.negatives.rebuild_every_events=500",
        ]
        let reference = harness.reference(try harness.readAll(harness.events), configuration: estimator)
        let expected = reference.samples.values.map(\.count).reduce(0, +)
        #expect(reference.samples.values.joined().contains { $0.origin == .sampledNegative })
        #expect(reference.samples.values.joined().contains { $0.origin == .exposure && $0.label == 1 })
        try await runWithCrashes(harness, delivery: .exactlyOnce, expected: expected, settings: settings)

        let samples = try harness.readAll("samples")
        for partition in 0..<harness.partitions {
            let written = samples[partition] ?? []
            let expected = reference.samples[partition] ?? []
            #expect(written.count == expected.count, "partition \(partition): no sample missing or doubled")
            #expect(written.map(\.value) == expected.map(\.jsonBytes), "partition \(partition): identical to the uninterrupted run")
        }
    }

    @Test
    func atLeastOnceLosesNothingAndBoundsDuplicates() async throws {
        // More partitions: duplicates must not push a partition past the embedded broker's 5 MiB.
        let harness = try PipelineHarness(partitions: 16)
        let input = try RealEvents.taobao(30_000)
        try harness.produce(input)
        try await runWithCrashes(harness, delivery: .atLeastOnce, expected: input.count, checkpointEvents: 500)

        let reference = harness.reference(try harness.readAll(harness.events))
        let samples = try harness.readAll("samples")
        for partition in 0..<harness.partitions {
            let written = samples[partition] ?? []
            let offsets = written.compactMap { $0.headerNumber(SalienceHeader.sourceOffset) }
            let expectedOffsets = Set((reference.samples[partition] ?? []).map { $0.source!.offset })
            #expect(Set(offsets) == expectedOffsets, "partition \(partition): none missing")
            // Each of the six runs re-emits at most one checkpoint interval (500 events) per partition.
            #expect(offsets.count - expectedOffsets.count <= 6 * 500, "partition \(partition): duplicates bounded")
        }
    }
}
