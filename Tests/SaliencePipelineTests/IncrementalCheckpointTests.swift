@testable import SaliencePipeline
import Foundation
import SalienceCore
import SalienceKafka
import SalienceTestSupport
import Testing

/// Incremental checkpoints on the embedded broker: generations of a full
/// state and change sets, a torn generation passed over, and output that
/// still equals the uninterrupted run.
@Suite(.ownThreads, .timeLimit(.minutes(5)))
struct IncrementalCheckpointTests {
    /// A run writes change sets between full states; a generation torn after
    /// it (a change set's first chunk, then nothing) and a manifest naming a
    /// part that was never written are passed over; the next run restores
    /// every partition from its newest complete generation, its samples equal
    /// the uninterrupted core's byte for byte, and the state left in the
    /// checkpoint topic at the end is the core estimator's.
    @Test func aRestartPassesOverATornGenerationAndMatchesTheUninterruptedRun() async throws {
        let harness = try PipelineHarness(partitions: 4)
        let input = try RealEvents.taobao(12_000)
        try harness.produce(Array(input[..<8000]))
        var configuration = harness.configuration(group: "incremental-\(UUID().uuidString.prefix(8))")
        configuration.checkpointEveryEvents = 400
        configuration.checkpointFullEvery = 4
        let first = try await harness.run(configuration) { $0.eventsIn >= 8000 }
        #expect(first.fullCheckpoints > 0)
        #expect(first.checkpoints > first.fullCheckpoints, "\(first.checkpoints) checkpoints, \(first.fullCheckpoints) full")
        #expect(first.fullCheckpointBytes < first.checkpointBytes)

        // Partition 0's newest generation, then two broken ones after it.
        let store = CheckpointStore(kafka: harness.kafka, topic: "checkpoints", logger: harness.logger)
        let before = try #require(try store.newest(group: configuration.group, topic: harness.events, partition: 0))
        let manifest = try #require(before.manifest)
        #expect(manifest.parts.count > 1 || manifest.parts[0].kind == .full)
        let key = PartitionCheckpoint.key(group: configuration.group, topic: harness.events, partition: 0)
        let producer = try KafkaProducer(configuration: KafkaProducerConfiguration(client: harness.kafka), logger: harness.logger)
        let location = ChunkedRecords.partition(of: key, partitions: harness.partitions)
        func send(name: String, generation: UInt64, index: Int, count: Int, value: [UInt8]) throws {
            try producer.send(KafkaProducerMessage(
                topic: "checkpoints", partition: location, key: ChunkedRecords.messageKey(key, name: name, index: index), value: value,
                headers: [
                    KafkaHeader(key: SalienceHeader.recordID, string: String(generation)),
                    KafkaHeader(key: SalienceHeader.chunkIndex, string: String(index)),
                    KafkaHeader(key: SalienceHeader.chunkCount, string: String(count)),
                ]
            )) { _ in }
        }
        let torn = manifest.generation + 1
        try send(name: "changes-\(torn)", generation: torn, index: 0, count: 2, value: Array(repeating: 7, count: 64))
        var phantom = manifest
        phantom.generation = torn + 1
        phantom.parts.append(CheckpointManifest.Entry(
            kind: .changes, generation: torn + 1, name: "changes-\(torn + 1)", byteCount: 100, checksum: 1, chunks: 1
        ))
        try send(name: CheckpointManifest.name(generation: torn + 1), generation: torn + 1, index: 0, count: 1,
                 value: phantom.encoded(fingerprint: configuration.estimator.fingerprint))
        try producer.flush(timeout: .seconds(10))
        producer.close(timeout: .seconds(5))
        let broken = try #require(try store.newest(group: configuration.group, topic: harness.events, partition: 0))
        #expect(broken.checkpoint?.generation == manifest.generation)
        #expect(broken.refused.first?.contains("generation \(torn + 1): missing changes-\(torn + 1)") == true, "\(broken.refused)")

        try harness.produce(Array(input[8000...]))
        let events = try harness.readAll(harness.events)
        let reference = harness.reference(events)
        let writtenBefore = try harness.readAll("samples").values.map(\.count).reduce(0, +)
        let remaining = reference.samples.values.map(\.count).reduce(0, +) - writtenBefore
        let second = try await harness.run(configuration) { $0.samplesOut >= remaining }
        #expect(second.restoredFromCheckpoint == Int(harness.partitions))
        let samples = try harness.readAll("samples")
        for partition in 0..<harness.partitions {
            #expect(samples[partition]?.map(\.value) == reference.samples[partition]?.map(\.jsonBytes), "partition \(partition): as the uninterrupted run")
            let stored = try #require(try store.newest(group: configuration.group, topic: harness.events, partition: partition)?.checkpoint)
            #expect(stored.nextOffset == Int64(events[partition]?.count ?? 0))
            #expect(try stored.estimator(configuration: configuration.estimator).encodedState() == reference.estimators[partition]?.encodedState(),
                    "partition \(partition): the stored state is the core's")
        }
        // The partition with broken generations continued past their numbers.
        let after = try #require(try store.newest(group: configuration.group, topic: harness.events, partition: 0)?.checkpoint)
        #expect(after.generation > torn + 1)
    }
}
