@testable import SaliencePipeline
import Logging
import MetricsTestKit
import SalienceCore
import SalienceDatasets
import SalienceKafka
import SalienceTestSupport
import Testing

/// The engine's output stage and checkpoint writer without a broker: they
/// send into an ``InMemoryRecordLog``, and the restore path reads it back.
@Suite(.ownThreads) struct OutputStageTests {
    static let input = KafkaTopicPartition(topic: "events", partition: 3)

    static func configuration(format: SampleFormat = .json) -> PipelineConfiguration {
        var estimator = EstimatorConfiguration()
        estimator.features.bits = 12
        estimator.logQBucketBits = 10
        estimator.sketchEpsilon = 0.01
        var configuration = PipelineConfiguration(
            group: "g", sampleFormat: format, checkpointTopic: "checkpoints", modelsTopic: "models",
            checkpointFullEvery: 3, maxMessageBytes: 4096, estimator: estimator
        )
        configuration.estimator = estimator
        return configuration
    }

    static let layout = TopicLayout(partitions: ["samples": 8, "dead-letters": 8, "checkpoints": 4, "models": 2])

    static func task(_ configuration: PipelineConfiguration) -> PartitionTask {
        PartitionTask(
            partition: input, estimator: ImportanceEstimator(configuration: configuration.estimator), startOffset: nil,
            generation: 0, lastManifest: nil, suppressSamplesThrough: .none, suppressDeadLettersThrough: -1
        )
    }

    /// A batch of one input message, as a poll returns it.
    static func batch(_ bytes: [UInt8], offset: Int64) -> KafkaMessageBatch {
        var batch = KafkaMessageBatch()
        batch.append(
            input, offset: offset, key: Array("k".utf8), value: bytes,
            timestamp: KafkaTimestamp(milliseconds: 1_700_000_000_000, kind: .createTime)
        )
        return batch
    }

    /// `task`'s outcome for one input message.
    @discardableResult
    static func handle(_ bytes: [UInt8], offset: Int64, by task: PartitionTask) -> PartitionTask.Outcome {
        let batch = batch(bytes, offset: offset)
        return task.handle(batch.messages[0], in: batch, decoder: EventDecoder())
    }

    static let events = Array(SyntheticEventStream(configuration: .init(users: 40, items: 300, seed: 11)).prefix(2400))

    static func header(_ message: KafkaConsumerMessage, _ key: String) -> String? {
        message.headers.first { $0.key == key }?.value.map { String(decoding: $0, as: UTF8.self) }
    }

    /// A checkpoint writer sending to `log` and reading it back.
    static func writer(_ configuration: PipelineConfiguration, _ log: InMemoryRecordLog) -> CheckpointWriter {
        CheckpointWriter(
            configuration: configuration, layout: layout, producer: log, reader: log, deliveries: accounting(), logger: Logger(label: "test")
        )
    }

    static func accounting() -> DeliveryAccounting {
        DeliveryAccounting(statistics: PipelineStatistics(), metrics: PipelineMetrics(factory: TestMetrics()))
    }

    @Test(arguments: SampleFormat.allCases)
    func samplesGoToTheInputsCoPartitionEncodedWithTheirSourceInHeaders(format: SampleFormat) throws {
        let configuration = Self.configuration(format: format)
        let log = InMemoryRecordLog()
        let deliveries = Self.accounting()
        var output = SampleOutput(configuration: configuration, producer: log, deliveries: deliveries)
        let task = Self.task(configuration)
        var sent: [WeightedSample] = []
        for (offset, event) in Self.events.prefix(50).enumerated() {
            let batch = Self.batch(event.jsonBytes, offset: Int64(offset))
            let message = batch.messages[0]
            guard case .processed(_, let samples, _) = task.handle(message, in: batch, decoder: EventDecoder()) else {
                Issue.record("event \(offset) not processed")
                continue
            }
            for (index, sample) in samples.enumerated() { try output.send(sample, index: index, from: message, of: task) }
            sent += samples
        }
        #expect(deliveries.statistics.snapshot.samplesOut == 0, "nothing counts before its delivery report")
        log.deliver()
        #expect(deliveries.statistics.snapshot.samplesOut == sent.count)
        let written = log.messages("samples")
        #expect(written.count == sent.count)
        for (record, sample) in zip(written, sent) {
            #expect(record.partition == Self.input.partition)
            #expect(record.key == Array(sample.userID.utf8))
            #expect(record.value == (format == .json ? sample.jsonBytes : sample.protobufBytes))
            #expect(Self.header(record, SalienceHeader.sampleFormat) == format.headerValue)
            #expect(Self.header(record, SalienceHeader.sourceTopic) == "events")
            #expect(Self.header(record, SalienceHeader.sourcePartition) == "3")
            #expect(Self.header(record, SalienceHeader.sourceOffset) == sample.source.map { String($0.offset) })
            #expect(Self.header(record, SalienceHeader.sourceIndex) == nil, "one sample per event: no index header")
        }
    }

    @Test func deadLettersKeepTheOriginalBytesAndSayWhy() throws {
        let configuration = Self.configuration()
        let log = InMemoryRecordLog()
        let deliveries = Self.accounting()
        let output = SampleOutput(configuration: configuration, producer: log, deliveries: deliveries)
        let task = Self.task(configuration)
        let bad = Array(#"{"user_id":"u","item_id":"i","type":"teleport","ts":1700000000000}"#.utf8)
        let batch = Self.batch(bad, offset: 41)
        let message = batch.messages[0]
        guard case .deadLetter(let error) = task.handle(message, in: batch, decoder: EventDecoder()) else {
            Issue.record("an unknown type is not a dead letter")
            return
        }
        try output.sendDeadLetter(message, in: batch, error, of: task)
        log.deliver()
        let letters = log.messages("dead-letters")
        #expect(letters.count == 1)
        #expect(letters.first?.value == bad)
        #expect(letters.first?.key == Array("k".utf8))
        #expect(letters.first?.partition == 3)
        #expect(letters.first.flatMap { Self.header($0, SalienceHeader.reason) } == "unknown_event_type")
        #expect(letters.first.flatMap { Self.header($0, SalienceHeader.detail) }?.contains("teleport") == true)
        #expect(letters.first.flatMap { Self.header($0, SalienceHeader.sourceOffset) } == "41")
        #expect(deliveries.statistics.snapshot.deadLetters == 1)
        #expect(deliveries.statistics.snapshot.deadLettersByReason == ["unknown_event_type": 1])
    }

    /// Seven checkpoints of one partition, then a crash in the eighth: what
    /// the writer sends, and what the restore path reads back — also after
    /// the topic is compacted, which must leave the newest generation whole.
    @Test func checkpointsAreGenerationsThatRestoreAlsoFromACompactedTopic() throws {
        let configuration = Self.configuration()
        let log = InMemoryRecordLog()
        var writer = Self.writer(configuration, log)
        let task = Self.task(configuration)
        var states: [[UInt8]] = []
        var offset: Int64 = 0
        for _ in 0..<7 {
            for _ in 0..<300 {
                Self.handle(Self.events[Int(offset)].jsonBytes, offset: offset, by: task)
                offset += 1
            }
            let written = try #require(try writer.write(task))
            log.deliver()
            task.markCheckpointed(written.manifest)
            states.append(task.estimator.encodedState())
        }
        let records = log.messages("checkpoints")
        let key = PartitionCheckpoint.key(group: "g", topic: "events", partition: 3)
        #expect(Set(records.map(\.partition)) == [ChunkedRecords.partition(of: key, partitions: 4)], "one partition's checkpoints in one partition")
        func names(_ records: [KafkaConsumerMessage]) -> [String] {
            records.compactMap { record in
                let key = String(decoding: record.key ?? [], as: UTF8.self)
                // The first chunk of each record (tombstones carry no headers: the key says which chunk).
                guard let hash = key.lastIndex(of: "#"), let slash = key.lastIndex(of: "/"), key[key.index(after: slash)...] == "0"
                else { return nil }
                let name = String(key[key.index(after: hash)..<slash])
                return record.value.isEmpty ? "delete " + name : name + "@" + (Self.header(record, SalienceHeader.recordID) ?? "?")
            }
        }
        // Full states alternate between two names; after each, tombstones
        // delete the change sets it supersedes. Generation 2 is full because
        // the change sets of this small, fast-growing state outgrew twice the
        // full state; generation 5 because a full state comes every third.
        #expect(names(records) == [
            "full-0@0", "manifest-0@0", "changes-1@1", "manifest-1@1",
            "full-1@2", "manifest-0@2", "delete changes-1",
            "changes-3@3", "manifest-1@3", "changes-4@4", "manifest-0@4",
            "full-0@5", "manifest-1@5", "delete changes-3", "delete changes-4",
            "changes-6@6", "manifest-0@6",
        ])
        #expect(records.contains { Int(Self.header($0, SalienceHeader.chunkCount) ?? "1")! > 1 }, "full states span several chunks of 4 KiB")
        let exports = log.messages("models")
        #expect(Set(exports.compactMap { Self.header($0, SalienceHeader.modelFormat) }) == [ModelExport.formatName])
        #expect(exports.compactMap { Self.header($0, SalienceHeader.modelNextOffset) }.last == "2100")

        func restored() throws -> CheckpointGenerations.Outcome? {
            try CheckpointGenerations.newest(group: "g", partitions: [Self.input], topic: "checkpoints", topicPartitions: 4, reader: log)[Self.input]
        }
        var outcome = try #require(try restored())
        #expect(outcome.checkpoint?.generation == 6)
        #expect(try outcome.checkpoint?.estimator(configuration: configuration.estimator).encodedState() == states[6])

        // Compaction keeps the newest record of each key and drops the deleted ones: the changelog.
        log.compact("checkpoints")
        let compacted = names(log.messages("checkpoints"))
        #expect(compacted.sorted() == ["changes-6@6", "full-0@5", "full-1@2", "manifest-0@6", "manifest-1@5"])
        outcome = try #require(try restored())
        #expect(outcome.checkpoint?.generation == 6)
        #expect(try outcome.checkpoint?.estimator(configuration: configuration.estimator).encodedState() == states[6])

        // A crash while generation 7 is written: its change set went out, its manifest did not.
        for _ in 0..<300 {
            Self.handle(Self.events[Int(offset)].jsonBytes, offset: offset, by: task)
            offset += 1
        }
        let location = KafkaTopicPartition(topic: "checkpoints", partition: ChunkedRecords.partition(of: key, partitions: 4))
        let before = try log.end(location)
        _ = try #require(try writer.write(task))
        let manifestAt = try #require(log.read(location, before..<(try log.end(location))).last { Self.header($0, SalienceHeader.recordID) == "7" && String(decoding: $0.key ?? [], as: UTF8.self).contains("#manifest-") })
        log.truncate(location, from: manifestAt.offset)
        outcome = try #require(try restored())
        #expect(outcome.checkpoint?.generation == 6, "a generation without its manifest is not taken")
        #expect(try outcome.checkpoint?.estimator(configuration: configuration.estimator).encodedState() == states[6])
    }

    /// A broker that drops the head of the checkpoint partition (retention
    /// smaller than the state): the writer notices once the full state is
    /// acknowledged, and the next checkpoint is a full state again.
    @Test func anEvictedFullStateIsReportedAndWrittenAgain() throws {
        let configuration = Self.configuration()
        let log = InMemoryRecordLog()
        var writer = Self.writer(configuration, log)
        let task = Self.task(configuration)
        for offset in 0..<300 {
            Self.handle(Self.events[offset].jsonBytes, offset: Int64(offset), by: task)
        }
        let first = try #require(try writer.write(task))
        log.deliver()
        task.markCheckpointed(first.manifest)
        #expect(first.isFull)
        #expect(writer.checkRetention(of: [task]) == 0)
        let location = KafkaTopicPartition(
            topic: "checkpoints",
            partition: ChunkedRecords.partition(of: PartitionCheckpoint.key(group: "g", topic: "events", partition: 3), partitions: 4)
        )
        log.evict(location, below: 1)
        #expect(writer.checkRetention(of: [task]) == 1)
        #expect(writer.checkRetention(of: [task]) == 0, "reported once")
        for offset in 300..<400 {
            Self.handle(Self.events[offset].jsonBytes, offset: Int64(offset), by: task)
        }
        let second = try #require(try writer.write(task))
        #expect(second.isFull, "the next checkpoint replaces the evicted full state")
    }

    /// Exactly-once restore reads every newly assigned partition's
    /// co-partitions together; inputs of two topics share a co-partition,
    /// and each finds its own newest output, however far back it is.
    @Test func restoreFindsEachInputsNewestOutputInSharedCoPartitions() throws {
        let configuration = Self.configuration()
        let log = InMemoryRecordLog()
        func output(_ topic: String, from input: KafkaTopicPartition, offset: Int64, index: Int = 0) throws {
            var headers = SalienceHeader.source(SourcePosition(topic: input.topic, partition: input.partition, offset: offset))
            if index > 0 { headers.append(KafkaHeader(key: SalienceHeader.sourceIndex, string: String(index))) }
            try log.send(KafkaProducerMessage(topic: topic, partition: input.partition, value: [1], headers: headers)) { _ in }
        }
        let events0 = KafkaTopicPartition(topic: "events", partition: 0), clicks0 = KafkaTopicPartition(topic: "clicks", partition: 0)
        let events1 = KafkaTopicPartition(topic: "events", partition: 1), clicks1 = KafkaTopicPartition(topic: "clicks", partition: 1)
        for offset in 0..<10 { try output("samples", from: events0, offset: Int64(offset)) }
        for offset in 0..<5 { try output("samples", from: clicks0, offset: Int64(offset)) }
        try output("samples", from: clicks0, offset: 4, index: 1)
        // Far more than the first window of 16 after clicks/0's last sample.
        for offset in 10..<60 { try output("samples", from: events0, offset: Int64(offset)) }
        for offset in 0..<12 { try output("samples", from: events1, offset: Int64(offset)) }
        try output("dead-letters", from: events1, offset: 7)
        log.deliver()

        let restorer = PartitionRestorer(
            configuration: configuration, layout: Self.layout, reader: log, statistics: PipelineStatistics(), logger: Logger(label: "test")
        )
        let tasks = try restorer.restore([events0, clicks0, events1, clicks1])
        #expect(tasks[events0]?.suppressSamplesThrough == PartitionTask.OutputPosition(offset: 59, index: 0))
        #expect(tasks[clicks0]?.suppressSamplesThrough == PartitionTask.OutputPosition(offset: 4, index: 1))
        #expect(tasks[events1]?.suppressSamplesThrough == PartitionTask.OutputPosition(offset: 11, index: 0))
        #expect(tasks[clicks1]?.suppressSamplesThrough == PartitionTask.OutputPosition.none)
        #expect(tasks.mapValues(\.suppressDeadLettersThrough) == [events0: -1, clicks0: -1, events1: 7, clicks1: -1])
    }
}
