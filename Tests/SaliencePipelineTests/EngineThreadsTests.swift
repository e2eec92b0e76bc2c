import Foundation
import SalienceCore
import SalienceKafka
import SaliencePipeline
import SalienceTestSupport
import Testing

@Suite(.ownThreads, .serialized, .timeLimit(.minutes(10)))
struct EngineThreadsTests {
    /// The same input, with bad messages among the good, through 1, 2 and 4
    /// engine threads, each run in a group of its own writing topics of its
    /// own: every partition's samples and dead letters are byte-identical
    /// across the thread counts and equal the core estimator fed that
    /// partition, and with several threads each one held partitions.
    @Test func aPartitionsOutputIsTheSameWhateverTheThreadCount() async throws {
        let harness = try PipelineHarness(partitions: 8)
        var input = try RealEvents.taobao(16_000)
        for index in stride(from: 37, to: input.count, by: 400) { input[index].value = Array(#"{"user_id":"u","type":"teleport"}"#.utf8) }
        let bad = input.filter { $0.value.first == UInt8(ascii: "{") && $0.value.count < 40 }.count
        try harness.produce(input)
        let reference = harness.reference(try harness.readAll(harness.events))
        let good = reference.samples.values.map(\.count).reduce(0, +)
        #expect(good == input.count - bad && bad > 0)

        var outputs: [Int: (samples: [Int32: [KafkaConsumerMessage]], deadLetters: [Int32: [KafkaConsumerMessage]])] = [:]
        for threads in [1, 2, 4] {
            for topic in ["samples-\(threads)", "dead-letters-\(threads)"] { try harness.cluster.createTopic(topic, partitions: harness.partitions) }
            var configuration = harness.configuration()
            configuration.threads = threads
            configuration.samplesTopic = "samples-\(threads)"
            configuration.deadLetterTopic = "dead-letters-\(threads)"
            let engine = try PipelineEngine(configuration: configuration, logger: harness.logger)
            let running = Task { try await PipelineService(engine: engine).run() }
            // While it runs: every thread joined, and the group spread the partitions over all of them.
            var spread: [Int] = []
            let deadline = ContinuousClock.now + .seconds(90)
            while spread.count < threads || spread.contains(0), ContinuousClock.now < deadline {
                let health = engine.health.snapshot
                if health.assigned, health.partitions == Int(harness.partitions) { spread = health.partitionsPerThread }
                try await Task.sleep(for: .milliseconds(20))
            }
            #expect(spread.count == threads && !spread.contains(0), "\(threads) threads hold partitions: \(spread)")
            let statistics = try await harness.stop(engine, running: running) { $0.samplesOut == good && $0.deadLetters == bad }
            #expect(statistics.samplesOut == good, "\(threads) threads")
            #expect(statistics.deadLetters == bad, "\(threads) threads")
            outputs[threads] = (try harness.readAll(configuration.samplesTopic), try harness.readAll(configuration.deadLetterTopic))
        }
        for partition in 0..<harness.partitions {
            let expected = (reference.samples[partition] ?? []).map(\.jsonBytes)
            #expect(!expected.isEmpty)
            for threads in [1, 2, 4] {
                #expect(outputs[threads]!.samples[partition]?.map(\.value) ?? [] == expected, "partition \(partition), \(threads) threads: samples")
                #expect(
                    outputs[threads]!.deadLetters[partition]?.map(\.value) ?? [] == outputs[1]!.deadLetters[partition]?.map(\.value) ?? [],
                    "partition \(partition), \(threads) threads: dead letters"
                )
                #expect(
                    outputs[threads]!.deadLetters[partition]?.compactMap { $0.headerNumber(SalienceHeader.sourceOffset) } ?? []
                        == reference.deadLetters[partition] ?? [],
                    "partition \(partition), \(threads) threads: dead letters at their offsets"
                )
            }
        }
    }

    /// One thread's failure stops the others and the run: partition 0
    /// holds a checkpoint of another estimator configuration, so the thread
    /// given it fails; the run throws without being asked to stop, rather
    /// than leave the other thread writing.
    @Test func oneThreadsFailureStopsTheRun() async throws {
        let harness = try PipelineHarness(partitions: 4, brokers: 1)
        let group = "failing-\(UUID().uuidString.prefix(8))"
        // One user: every event in one partition, so only that one has a checkpoint.
        let first = PipelineHarness.synthetic(300, users: 1, seed: 8)
        try harness.produce(first)
        var configuration = harness.configuration(group: group)
        let statistics = try await harness.run(configuration) { $0.samplesOut == first.count }
        #expect(statistics.samplesOut == first.count && statistics.checkpoints == 1)

        try harness.produce(PipelineHarness.synthetic(2000, seed: 9))
        configuration.threads = 2
        configuration.estimator.features.bits += 1
        let engine = try PipelineEngine(configuration: configuration, logger: harness.logger)
        let running = Task { try await PipelineService(engine: engine).run() }
        let failed = await #expect(throws: PipelineError.self) {
            try await withThrowingTaskGroup(of: Void.self) { group in
                group.addTask { try await running.value }
                group.addTask {
                    try await Task.sleep(for: .seconds(90))
                    engine.requestStop()
                }
                defer { group.cancelAll() }
                try await group.next()
            }
        }
        #expect(failed?.code == .incompatibleCheckpoint, "\(String(describing: failed))")
        #expect(engine.health.snapshot.failure != nil && !engine.health.snapshot.running)
    }

    /// `engine.threads` is checked, and 0 means one per core the process may use.
    @Test func threadCountIsValidatedAndResolved() throws {
        var configuration = PipelineConfiguration()
        configuration.threads = 300
        #expect(configuration.validationErrors().contains { $0.hasPrefix("engine.threads:") })
        configuration.threads = 0
        #expect(configuration.validationErrors().isEmpty)
        #expect(configuration.resolvedThreads == max(1, ProcessInfo.processInfo.activeProcessorCount))
        configuration.threads = 3
        #expect(configuration.resolvedThreads == 3)
    }
}
