import Foundation
import SalienceCore
import SalienceKafka
import SaliencePipeline
import SalienceTestSupport
import Testing

@Suite(.ownThreads, .serialized, .timeLimit(.minutes(5)))
struct BrokerFaultTests {
    /// A broker down for 5 s and errors injected on produce, fetch and offset
    /// commit: the run recovers by itself, hands every sample to the producer
    /// once, and its samples are exactly the reference's (see `expectSamples`
    /// for what the producer library itself may do under these faults).
    @Test func recoversFromBrokerDownAndInjectedErrorsLosingNothing() async throws {
        let harness = try PipelineHarness(partitions: 6)
        let input = PipelineHarness.synthetic(20_000, seed: 77)
        try harness.produce(input)
        let configuration = withOneProduceRequestInFlight(harness.configuration())
        let engine = try PipelineEngine(configuration: configuration, logger: harness.logger)
        let running = Task { try await PipelineService(engine: engine).run() }

        // Once it is under way: errors on produce, fetch and commit, then broker 2 down for 5 s.
        while engine.statistics.snapshot.samplesOut < 2000 { try await Task.sleep(for: .milliseconds(20)) }
        harness.cluster.pushRequestErrors(.produce, errors: [.notLeaderForPartition, .requestTimedOut, .notLeaderForPartition])
        harness.cluster.pushRequestErrors(.fetch, errors: [.notLeaderForPartition, .requestTimedOut])
        harness.cluster.pushRequestErrors(.offsetCommit, errors: [KafkaError.Code(rawValue: 15), KafkaError.Code(rawValue: 16)])
        try harness.cluster.setBrokerDown(2)
        try await Task.sleep(for: .seconds(5))
        try harness.cluster.setBrokerUp(2)

        let statistics = try await harness.stop(engine, running: running) { $0.samplesOut >= input.count }
        #expect(statistics.samplesOut == input.count)
        #expect(statistics.deliveryFailures == 0)

        try expectReferenceSamples(harness)
    }

    /// The group coordinator down for longer than the session timeout while
    /// samples are in flight: the consumer loses its partitions, takes them
    /// back, restores them from checkpoints and the output topics, and the
    /// samples are still exactly the reference's — none lost, none twice.
    @Test func aSessionLostToACoordinatorOutageRestoresExactly() async throws {
        let harness = try PipelineHarness(partitions: 6)
        let input = PipelineHarness.synthetic(20_000, seed: 78)
        let (first, second) = (Array(input.prefix(12_000)), Array(input.dropFirst(12_000)))
        try harness.produce(first)
        let configuration = withOneProduceRequestInFlight(harness.configuration())
        try harness.cluster.setGroupCoordinator(configuration.group, broker: 2)
        let engine = try PipelineEngine(configuration: configuration, logger: harness.logger)
        let running = Task { try await PipelineService(engine: engine).run() }

        while engine.statistics.snapshot.samplesOut < 2000 { try await Task.sleep(for: .milliseconds(20)) }
        harness.cluster.pushRequestErrors(.produce, errors: [.notLeaderForPartition, .requestTimedOut])
        try harness.cluster.setBrokerDown(2)
        try await Task.sleep(for: configuration.sessionTimeout + .seconds(3))
        try harness.cluster.setBrokerUp(2)
        try harness.produce(second)

        let statistics = try await harness.stop(engine, running: running) { $0.samplesOut >= input.count }
        #expect(statistics.rebalances >= 3, "the partitions were lost and assigned again")
        #expect(statistics.samplesOut == input.count)
        #expect(statistics.deliveryFailures == 0)

        try expectReferenceSamples(harness)
    }

    /// The samples topic against the core estimator fed the input topic
    /// directly: every sample once, in order (see `expectSamples` for the
    /// repeats the embedded broker itself may make).
    private func expectReferenceSamples(_ harness: PipelineHarness) throws {
        let reference = harness.reference(try harness.readAll(harness.events))
        let samples = try harness.readAll("samples")
        expectSamples(samples.mapValues { $0.map(\.value) }, equal: reference.samples.mapValues { $0.map(\.jsonBytes) }, partitions: harness.partitions)
    }

    /// The transactional flow (init, begin, produce, send offsets, commit) runs
    /// end to end. The embedded cluster writes no transaction markers and drops
    /// transactional offsets, so read_committed visibility is not asserted here.
    @Test func transactionalModeRunsItsFlow() async throws {
        let harness = try PipelineHarness(partitions: 4)
        let input = PipelineHarness.synthetic(6000, users: 500, items: 2000, seed: 3)
        try harness.produce(input)
        let statistics = try await harness.run(harness.configuration(delivery: .transactional)) { $0.samplesOut == input.count }
        #expect(statistics.samplesOut == input.count)
        #expect(statistics.checkpoints >= 4)
        let reference = harness.reference(try harness.readAll(harness.events))
        let samples = try harness.readAll("samples")
        for partition in 0..<harness.partitions {
            #expect((samples[partition] ?? []).map(\.value) == (reference.samples[partition] ?? []).map(\.jsonBytes))
        }
    }
}
