import Foundation
import SalienceCore
import SalienceKafka
import SaliencePipeline
import SalienceTestSupport
import Testing

@Suite(.ownThreads, .serialized, .timeLimit(.minutes(5)))
struct ReplayTests {
    /// A range `salience run` processed live, replayed from the same (empty)
    /// starting state, gives the same samples field for field. Only delivery
    /// details differ: the samples topic's own offsets and record timestamps,
    /// which are not part of a sample.
    @Test func replayEqualsLive() async throws {
        let harness = try PipelineHarness(partitions: 6)
        let input = try RealEvents.taobao(20_000)
        try harness.produce(input)
        let liveGroup = "live-\(UUID().uuidString.prefix(8))"
        _ = try await harness.run(harness.configuration(group: liveGroup)) { $0.samplesOut == input.count }
        let live = try harness.readAll("samples")

        let engine = ReplayEngine(kafka: harness.kafka, estimator: PipelineHarness.estimator, logger: harness.logger)
        let ranges = try engine.ranges(topics: [harness.events], start: .earliest, end: .end)
        var replayed: [Int32: [[UInt8]]] = [:]
        let summary = try engine.replay(ranges) { sample in replayed[sample.source!.partition, default: []].append(sample.jsonBytes) }
        #expect(summary.events == input.count)
        #expect(summary.samples == input.count)
        for partition in 0..<harness.partitions {
            #expect(replayed[partition] ?? [] == (live[partition] ?? []).map(\.value), "partition \(partition)")
        }

        // The live run's newest checkpoints, read back from the topic, stand at each partition's end.
        let store = CheckpointStore(kafka: harness.kafka, topic: "checkpoints", logger: harness.logger)
        let events = try harness.readAll(harness.events)
        for partition in 0..<harness.partitions {
            let newest = try store.newest(group: liveGroup, topic: harness.events, partition: partition)
            #expect(newest?.checkpoint?.nextOffset == Int64(events[partition]?.count ?? 0), "partition \(partition)")
        }
    }

    /// `salience replay --state-from-checkpoints` starts each partition from
    /// the newest checkpoint the live run left in the checkpoint topic: after a
    /// live run over the first part of the input, the replay of the rest
    /// equals, byte for byte, what one uninterrupted estimator makes of it
    /// (and a replay of the same offsets from empty state does not).
    @Test func replayFromTheCheckpointTopicContinuesTheLiveState() async throws {
        let harness = try PipelineHarness(partitions: 4)
        let input = try RealEvents.taobao(8_000)
        let group = "live-\(UUID().uuidString.prefix(8))"
        try harness.produce(Array(input.prefix(5_000)))
        _ = try await harness.run(harness.configuration(group: group)) { $0.samplesOut == 5_000 }
        try harness.produce(Array(input.dropFirst(5_000)))

        let store = CheckpointStore(kafka: harness.kafka, topic: "checkpoints", logger: harness.logger)
        var starts: [Int32: Int64] = [:]
        for partition in 0..<harness.partitions {
            starts[partition] = try store.newest(group: group, topic: harness.events, partition: partition)?.checkpoint?.nextOffset
        }
        #expect(starts.count == Int(harness.partitions) && starts.values.allSatisfy { $0 > 0 })
        let reference = harness.reference(try harness.readAll(harness.events))
        var expected: [UInt8] = []
        for partition in 0..<harness.partitions {
            for sample in reference.samples[partition] ?? [] where sample.source!.offset >= starts[partition]! {
                expected += sample.jsonBytes + [UInt8(ascii: "\n")]
            }
        }
        #expect(expected.count > 0)

        let directory = try Self.temporaryDirectory("replay-state")
        func replay(_ name: String, _ extra: [String]) throws -> [UInt8] {
            try Self.replayToFile(harness, directory.appendingPathComponent(name), extra)
        }
        let restored = try replay("restored.jsonl", ["--state-from-checkpoints", "--group", group, "--checkpoint-topic", "checkpoints"])
        #expect(restored == expected, "the replay continues the live run's state")
        let offsets = (0..<harness.partitions).map { "\($0):\(starts[$0]!)" }.joined(separator: ",")
        let empty = try replay("empty.jsonl", ["--from", offsets])
        #expect(empty.split(separator: UInt8(ascii: "\n")).count == expected.split(separator: UInt8(ascii: "\n")).count)
        #expect(empty != expected, "from empty state the same offsets give other weights")
    }

    /// `salience replay --state-from-checkpoints --at TIME` starts each
    /// partition from its newest checkpoint generation whose state reflects no
    /// event after TIME — older than the newest — and the replay from there
    /// equals what one uninterrupted estimator makes of those offsets.
    @Test func replayAtATimeStartsFromTheNewestCheckpointNotAfterIt() async throws {
        let harness = try PipelineHarness(partitions: 4)
        let input = try RealEvents.taobao(8_000)
        let group = "live-at-\(UUID().uuidString.prefix(8))"
        try harness.produce(input)
        var configuration = harness.configuration(group: group)
        configuration.checkpointEveryEvents = 400
        _ = try await harness.run(configuration) { $0.samplesOut == input.count }

        let events = try harness.readAll(harness.events)
        let decoder = EventDecoder()
        let times = events.values.joined().compactMap { try? decoder.decode($0.value).timestamp }.sorted()
        let time = times[times.count / 2] / 1000 * 1000
        let store = CheckpointStore(kafka: harness.kafka, topic: "checkpoints", logger: harness.logger)
        let partitions = (0..<harness.partitions).map { KafkaTopicPartition(topic: harness.events, partition: $0) }
        let newest = try store.newest(group: group, partitions: partitions)
        let chosen = try store.newest(group: group, partitions: partitions, atOrBefore: time)
        #expect(chosen.count == Int(harness.partitions))
        for partition in partitions {
            let checkpoint = try #require(chosen[partition])
            #expect(checkpoint.nextOffset > 0 && checkpoint.nextOffset < newest[partition]!.nextOffset, "\(partition): an older generation")
            let state = try checkpoint.estimator(configuration: configuration.estimator)
            #expect(try #require(state.maxEventTime) <= time)
        }

        let reference = harness.reference(events)
        var expected: [UInt8] = []
        for partition in 0..<harness.partitions {
            let start = chosen[KafkaTopicPartition(topic: harness.events, partition: partition)]!.nextOffset
            for sample in reference.samples[partition] ?? [] where sample.source!.offset >= start {
                expected += sample.jsonBytes + [UInt8(ascii: "\n")]
            }
        }
        let formatter = ISO8601DateFormatter()
        let at = formatter.string(from: Date(timeIntervalSince1970: Double(time) / 1000))
        let directory = try Self.temporaryDirectory("replay-at")
        let replayed = try Self.replayToFile(harness, directory.appendingPathComponent("at.jsonl"), [
            "--state-from-checkpoints", "--group", group, "--checkpoint-topic", "checkpoints", "--at", at,
        ])
        #expect(replayed == expected, "the replay continues the state of the checkpoints at \(at)")
    }

    /// `salience replay` twice over the same range writes byte-identical files;
    /// a range starting at a time starts at the first event at or after it.
    @Test func replayIsDeterministicAndTimeBounded() async throws {
        let harness = try PipelineHarness(partitions: 4)
        let input = try RealEvents.taobao(8_000)
        try harness.produce(input)
        let directory = try Self.temporaryDirectory("replay")
        func replay(_ name: String, _ extra: [String] = []) throws -> [UInt8] {
            try Self.replayToFile(harness, directory.appendingPathComponent(name), extra)
        }
        let first = try replay("first.jsonl")
        let second = try replay("second.jsonl")
        #expect(first == second)
        #expect(first.split(separator: UInt8(ascii: "\n")).count == input.count)

        // `salience inspect samples` reads the file back as a table.
        let table = Process()
        table.executableURL = SalienceProcess.executable
        table.arguments = ["inspect", "samples", directory.appendingPathComponent("first.jsonl").path, "--limit", "5"]
        let output = Pipe()
        table.standardOutput = output
        try table.run()
        let text = String(decoding: output.fileHandleForReading.readDataToEndOfFile(), as: UTF8.self)
        table.waitUntilExit()
        #expect(table.terminationStatus == 0)
        #expect(text.split(separator: "\n").count == 6)
        #expect(text.hasPrefix("type"))

        // The same range as length-delimited protobuf: one record per sample.
        let protobuf = try replay("samples.pb")
        var index = 0
        var records = 0
        while index < protobuf.count {
            var length = 0
            var shift = 0
            while true {
                let byte = protobuf[index]
                index += 1
                length |= Int(byte & 0x7F) << shift
                if byte < 0x80 { break }
                shift += 7
            }
            index += length
            records += 1
        }
        #expect(index == protobuf.count)
        #expect(records == input.count)

        // From the median event time: every replayed event is at or after it, and none before it is missing.
        let times = input.compactMap { try? EventDecoder().decode($0.value).timestamp }.sorted()
        let middle = times[times.count / 2]
        let formatter = ISO8601DateFormatter()
        let from = formatter.string(from: Date(timeIntervalSince1970: Double(middle) / 1000))
        let later = try replay("later.jsonl", ["--from", from])
        let laterTimes = later.split(separator: UInt8(ascii: "\n")).compactMap { line -> Int64? in
            (try? JSONSerialization.jsonObject(with: Data(line)) as? [String: Any])?["ts"] as? Int64
        }
        #expect(laterTimes.allSatisfy { $0 >= middle / 1000 * 1000 })
        #expect(laterTimes.count == times.filter { $0 >= middle / 1000 * 1000 }.count)
    }

    static func temporaryDirectory(_ prefix: String) throws -> URL {
        let directory = FileManager.default.temporaryDirectory.appendingPathComponent("\(prefix)-\(UUID().uuidString.prefix(8))")
        try FileManager.default.createDirectory(at: directory, withIntermediateDirectories: true)
        return directory
    }

    /// `salience replay` of the harness's events topic with the harness's
    /// estimator settings and `extra` flags into `file`; expects exit 0 and
    /// returns the file's bytes (none when it was not written).
    static func replayToFile(_ harness: PipelineHarness, _ file: URL, _ extra: [String]) throws -> [UInt8] {
        let process = Process()
        process.executableURL = SalienceProcess.executable
        process.arguments = ["replay", "--bootstrap", harness.cluster.bootstrapServers, "--topic", harness.events,
                             "--to-file", file.path, "--sketch-epsilon", "0.01", "--logq-bucket-bits", "12", "--feature-bits", "15"] + extra
        process.standardOutput = FileHandle.nullDevice
        process.standardError = FileHandle.nullDevice
        try process.run()
        process.waitUntilExit()
        #expect(process.terminationStatus == 0, "replay \(extra)")
        return (try? Array(Data(contentsOf: file))) ?? []
    }
}
