import Foundation
import SalienceCore
import SalienceKafka
import SaliencePipeline
import SalienceTestSupport
import Testing

@Suite(.ownThreads, .serialized, .timeLimit(.minutes(15)))
struct CrashRecoveryTests {
    /// Feeds `input` in six parts. Before each of the first five it starts
    /// `salience run`, produces the part, waits for the run's first new
    /// output and kills it with SIGKILL a random 0–1.5 s later, so every kill
    /// lands mid-stream (during the part, or with it consumed and its outputs
    /// past the last checkpoint) however loaded the machine is. The last run gets the last part and
    /// runs until `expected` — computed once all input is in the topic —
    /// holds; it returns that value.
    @discardableResult
    func runWithCrashes(
        _ harness: PipelineHarness, input: [(key: String, value: [UInt8])], delivery: DeliveryMode, checkpointEvents: Int = 2000,
        settings: [String] = [], expected: () throws -> Int
    ) async throws -> Int {
        let group = "crash-\(UUID().uuidString.prefix(8))"
        let reader = try KafkaConsumer(configuration: KafkaConsumerConfiguration(client: harness.kafka), logger: harness.logger)
        defer { try? reader.close() }
        var generator = SplitMix64(seed: 2026)
        let parts = (0...6).map { input.count * $0 / 6 }
        for crash in 1...5 {
            let process = try SalienceProcess(run: harness, group: group, delivery: delivery, checkpointEvents: checkpointEvents, settings: settings)
            let before = try harness.written("samples", reader: reader)
            try harness.produce(Array(input[parts[crash - 1]..<parts[crash]]))
            // Once it writes (it has joined the group and restored), let it run a little.
            let deadline = ContinuousClock.now + .seconds(60)
            while try harness.written("samples", reader: reader) == before, ContinuousClock.now < deadline {
                try await Task.sleep(for: .milliseconds(50))
            }
            try await Task.sleep(for: .milliseconds(Int64(generator.next() % 1500)))
            process.kill()
        }
        let last = try SalienceProcess(run: harness, group: group, delivery: delivery, checkpointEvents: checkpointEvents, settings: settings)
        try harness.produce(Array(input[parts[5]...]))
        let expected = try expected()
        let deadline = ContinuousClock.now + .seconds(400)
        var done = false
        while !done, ContinuousClock.now < deadline {
            try await Task.sleep(for: .seconds(1))
            // Exactly once: every sample once. At least once: every source offset at least once.
            done = try harness.written("samples", reader: reader) >= Int64(expected)
                && (delivery == .exactlyOnce || distinctSourceOffsets(harness) == expected)
        }
        #expect(last.terminate() == 0, "salience run exits 0 on SIGTERM")
        return expected
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
    /// equal, byte for byte and in order, the uninterrupted core's — with 1
    /// and 2 engine threads, so partitions also move between threads. Every
    /// 500 events a partition checkpoints, a full state every third time, so
    /// kills land while change sets and manifests are being written too.
    @Test(arguments: [1, 2])
    func exactlyOnceSurvivesKillNine(threads: Int) async throws {
        let harness = try PipelineHarness(partitions: 8)
        let input = try RealEvents.taobao(30_000)
        var estimator = PipelineHarness.estimator
        estimator.labels.policy = .attribution
        estimator.labels.maxPending = 5000
        estimator.negatives.perPositive = 2
        estimator.negatives.candidates = 1000
        estimator.negatives.rebuildEveryEvents = 500
        let settings = [
            "estimator.labels.policy=attribution", "estimator.labels.max_pending=5000", "estimator.negatives.per_positive=2",
            "estimator.negatives.candidates=1000", "estimator.negatives.rebuild_every_events=500", "engine.threads=\(threads)",
            "checkpoint_full_every=3",
        ]
        var reference: (samples: [Int32: [WeightedSample]], deadLetters: [Int32: [Int64]], estimators: [Int32: ImportanceEstimator])!
        try await runWithCrashes(harness, input: input, delivery: .exactlyOnce, checkpointEvents: 500, settings: settings) {
            reference = harness.reference(try harness.readAll(harness.events), configuration: estimator)
            return reference.samples.values.map(\.count).reduce(0, +)
        }
        #expect(reference.samples.values.joined().contains { $0.origin == .sampledNegative })
        #expect(reference.samples.values.joined().contains { $0.origin == .exposure && $0.label == 1 })

        let samples = try harness.readAll("samples")
        for partition in 0..<harness.partitions {
            let written = samples[partition] ?? []
            let expected = reference.samples[partition] ?? []
            #expect(written.count == expected.count, "partition \(partition), \(threads) threads: no sample missing or doubled")
            #expect(written.map(\.value) == expected.map(\.jsonBytes), "partition \(partition), \(threads) threads: identical to the uninterrupted run")
        }
    }

    @Test
    func atLeastOnceLosesNothingAndBoundsDuplicates() async throws {
        // More partitions: duplicates must not push a partition past the embedded broker's 5 MiB.
        let harness = try PipelineHarness(partitions: 16)
        let input = try RealEvents.taobao(30_000)
        try await runWithCrashes(harness, input: input, delivery: .atLeastOnce, checkpointEvents: 500) { input.count }

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
