import Foundation
import SalienceCore
import SalienceDatasets
import SalienceKafka
import SaliencePipeline
import SalienceTestSupport
import Testing

@Suite(.ownThreads, .serialized, .timeLimit(.minutes(5)))
struct PipelineFidelityTests {
    /// 100 k real Taobao events: one sample per valid event, equal byte for
    /// byte to the core estimator fed the same partition directly, and the
    /// newest model export equal to the estimator's model at that offset.
    @Test
    func samplesEqualTheCoreEstimatorFieldForField() async throws {
        let harness = try PipelineHarness()
        let input = try RealEvents.taobao(100_000)
        try harness.produce(input)
        let statistics = try await harness.run(harness.configuration()) { $0.samplesOut == input.count }
        #expect(statistics.eventsIn == input.count)
        #expect(statistics.samplesOut == input.count)
        #expect(statistics.deadLetters == 0)

        let events = try harness.readAll(harness.events)
        let samples = try harness.readAll("samples")
        let reference = harness.reference(events)
        for partition in 0..<harness.partitions {
            let written = samples[partition] ?? []
            let expected = reference.samples[partition] ?? []
            #expect(written.count == expected.count, "partition \(partition)")
            #expect(written.map(\.value) == expected.map(\.jsonBytes), "partition \(partition): samples differ")
            #expect(written.map(\.key) == expected.map { Array($0.userID.utf8) })
            #expect(written.map { $0.header(SalienceHeader.sourceOffset) } == expected.map { Array(String($0.source!.offset).utf8) })
        }

        // The newest model per partition is the estimator's model at the end of that partition.
        let models = try harness.readAll("models")
        for partition in 0..<harness.partitions {
            guard let estimator = reference.estimators[partition] else { continue }
            let key = PartitionCheckpoint.key(group: "", topic: harness.events, partition: partition)
            let newest = models.values.joined().filter { message in
                String(decoding: message.key ?? [], as: UTF8.self).contains(key.dropFirst()) &&
                    message.headerNumber(SalienceHeader.modelNextOffset) == Int64(events[partition]!.count)
            }
            let chunks = newest.sorted { ($0.headerNumber(SalienceHeader.chunkIndex) ?? 0) < ($1.headerNumber(SalienceHeader.chunkIndex) ?? 0) }
            let count = Int(chunks.first?.headerNumber(SalienceHeader.chunkCount) ?? 0)
            #expect(count > 0 && chunks.count >= count, "partition \(partition) has its final model")
            let export = try ModelExport.decode(Data(chunks.prefix(count).flatMap(\.value)))
            #expect(export == ModelExport(estimator), "partition \(partition): model differs")
        }
    }

    /// Bad messages interleaved with good: each bad one is in the dead-letter
    /// topic, untouched, with its reason; each good one made a sample.
    @Test func badInputGoesToTheDeadLetterTopicWithItsReason() async throws {
        let harness = try PipelineHarness(partitions: 4)
        var input: [(key: String, value: [UInt8])] = []
        var bad: [String: String] = [:]
        let hostile: [(String, [UInt8])] = [
            ("malformed_json", Array(#"{"user_id":"u1","item_"#.utf8)),
            ("invalid_utf8", Array(#"{"user_id":""#.utf8) + [0xFF] + Array(#"","item_id":"i","type":"view","ts":1511658000000}"#.utf8)),
            ("unknown_event_type", Array(#"{"user_id":"u","item_id":"i","type":"teleport","ts":1511658000000}"#.utf8)),
            ("timestamp_out_of_range", Array(#"{"user_id":"u","item_id":"i","type":"view","ts":1511658000}"#.utf8)),
            ("empty", []),
            ("missing_field", Array(#"{"user_id":"u","type":"view","ts":1511658000000}"#.utf8)),
        ]
        var synthetic = SyntheticEventStream(configuration: .init(users: 300, items: 2000, seed: 5))
        for index in 0..<3000 {
            if index % 50 == 7 {
                let (reason, bytes) = hostile[(index / 50) % hostile.count]
                let key = "bad-\(index)"
                bad[key] = reason
                input.append((key, bytes))
            } else {
                let event = synthetic.next()!
                input.append((event.userID, event.jsonBytes))
            }
        }
        try harness.produce(input)
        let good = input.count - bad.count
        let statistics = try await harness.run(harness.configuration()) { $0.samplesOut == good && $0.deadLetters == bad.count }
        #expect(statistics.samplesOut == good)
        #expect(statistics.deadLetters == bad.count)

        let deadLetters = try harness.readAll("dead-letters").values.joined()
        #expect(deadLetters.count == bad.count)
        let original = Dictionary(input.map { ($0.key, $0.value) }, uniquingKeysWith: { first, _ in first })
        for letter in deadLetters {
            let key = String(decoding: letter.key ?? [], as: UTF8.self)
            #expect(letter.value == original[key], "\(key): bytes untouched")
            #expect(letter.header(SalienceHeader.reason).map { String(decoding: $0, as: UTF8.self) } == bad[key], "\(key)")
            #expect(letter.header(SalienceHeader.detail)?.isEmpty == false)
            #expect(letter.header(SalienceHeader.sourceTopic) == Array("events".utf8))
            #expect(letter.header(SalienceHeader.sourceOffset) != nil)
        }
        let samples = try harness.readAll("samples").values.joined()
        #expect(samples.count == good)
        #expect(Set(samples.map { String(decoding: $0.key!, as: UTF8.self) }).isDisjoint(with: bad.keys))
    }

    @Test func aSamplesTopicWithFewerPartitionsIsRefusedAtStart() async throws {
        let harness = try PipelineHarness(partitions: 4)
        try harness.cluster.createTopic("narrow-samples", partitions: 2)
        var configuration = harness.configuration()
        configuration.samplesTopic = "narrow-samples"
        let engine = try PipelineEngine(configuration: configuration, logger: harness.logger)
        let error = #expect(throws: PipelineError.self) { try engine.run() }
        #expect(error?.code == .topicLayout)
        #expect(error?.message.contains("'narrow-samples' has 2 partitions but input 'events' has 4") == true)
    }
}
