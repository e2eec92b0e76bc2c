import ArgumentParser
import Foundation
import Logging
import SalienceCore
import SalienceKafka
import SalienceConfiguration
import SaliencePipeline

/// `salience replay`: rebuild the samples of a past window, deterministically.
struct ReplayCommand: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "replay",
        abstract: "Replay a bounded range of historical topics through the estimator and write the samples.",
        discussion: """
            Reads only: never joins the live group, commits or writes checkpoints. Partitions \
            are replayed one after another, so the same range gives byte-identical output. \
            Use the same configuration (--config, flags) as the `salience run` you want to reproduce. \
            --to-file writes FILE.partial and renames it to FILE only when the replay is complete; \
            Ctrl-C stops, keeps what was written as FILE.partial, prints the summary and exits 130 \
            (a second Ctrl-C exits at once).
            """
    )

    @OptionGroup var kafka: KafkaOptions

    @Option(name: .customLong("topic"), help: "Topic to replay (repeatable).")
    var topics: [String] = ["events"]

    @Option(name: .long, help: "earliest, an RFC 3339 time, or partition:offset[,partition:offset…] (topic/partition:offset with several topics).")
    var from: String = "earliest"

    @Option(name: .long, help: "end (the high watermarks at start-up) or an RFC 3339 time.")
    var until: String = "end"

    @Option(name: .long, help: "A checkpoint file to start its partition from (repeatable); the partition then starts at the checkpoint's offset (default: none, every partition from empty state).")
    var state: [String] = []

    @Flag(name: .long, help: ArgumentHelp(
        "Start each partition from the newest checkpoint the live run left in its checkpoint topic (default: off).",
        discussion: "The live run is named by --group and --checkpoint-topic (or the configuration's group and checkpoint_topic); a partition without a checkpoint starts empty at its earliest offset. Give the estimator settings of that run."
    ))
    var stateFromCheckpoints = false

    @Option(name: .long, help: ArgumentHelp(
        "With --state-from-checkpoints: start each partition from its newest checkpoint whose state reflects no event after this RFC 3339 time (default: the newest checkpoint).",
        discussion: "The checkpoint topic holds what its retention or compaction kept: on a compacted topic the newest generation and the one before it; a partition with none that old starts empty at its earliest offset."
    ))
    var at: String?

    @Option(name: .long, help: "The live run's consumer group, for --state-from-checkpoints (group; default salience).")
    var group: String?

    @Option(name: .long, help: "The live run's checkpoint topic, for --state-from-checkpoints (checkpoint_topic; default salience-checkpoints).")
    var checkpointTopic: String?

    @Option(name: .long, help: "Write samples to this file: JSON lines (*.jsonl) or length-delimited protobuf (*.pb, Schemas/weighted_sample.proto); this or --to-topic is required.")
    var toFile: String?

    @Option(name: .long, help: "Write samples to this topic (co-partitioned, keyed by user); this or --to-file is required.")
    var toTopic: String?

    @OptionGroup var settings: SettingsOptions
    @OptionGroup var estimator: EstimatorOptions

    func validate() throws {
        guard (toFile == nil) != (toTopic == nil) else { throw ValidationError("give exactly one of --to-file or --to-topic") }
        if stateFromCheckpoints, !state.isEmpty { throw ValidationError("give --state files or --state-from-checkpoints, not both") }
        if stateFromCheckpoints, from != "earliest" {
            throw ValidationError("--state-from-checkpoints starts each partition at its checkpoint's offset: leave --from at earliest")
        }
        if !stateFromCheckpoints, group != nil || checkpointTopic != nil || at != nil {
            throw ValidationError("--group, --checkpoint-topic and --at choose the live run's checkpoints for --state-from-checkpoints")
        }
        if let at, timestamp(at) == nil { throw ValidationError("--at expects an RFC 3339 time, got '\(at)'") }
        if let toFile, !toFile.hasSuffix(".jsonl"), !toFile.hasSuffix(".pb") {
            throw ValidationError("--to-file expects a name ending in .jsonl (JSON lines) or .pb (length-delimited protobuf)")
        }
    }

    func run() async throws {
        var liveRun: [SettingInput] = []
        if let group { liveRun.append(.flag("--group", path: "group", group)) }
        if let checkpointTopic { liveRun.append(.flag("--checkpoint-topic", path: "checkpoint_topic", checkpointTopic)) }
        let loaded = try settings.load(flags: kafka.settingInputs + estimator.settingInputs + liveRun)
        var logger = Logger(label: "salience.replay")
        logger.logLevel = max(.warning, loaded.settings.logging.level)
        var client = loaded.settings.pipeline.kafka
        client.clientID = "salience-replay"
        let estimatorConfiguration = loaded.settings.pipeline.estimator
        // Every replay reads a topic, whatever it writes to.
        try BrokerCheck.reachable(client, logger: logger)
        let engine = ReplayEngine(kafka: client, estimator: estimatorConfiguration, logger: logger)

        var checkpoints: [PartitionCheckpoint] = []
        for path in state {
            let outcome: CheckpointGenerations.Outcome
            do {
                outcome = try PartitionCheckpoint.read(directory: path)
            } catch let error as PipelineError {
                throw CommandError("--state \(path): \(error.message)")
            }
            guard let checkpoint = outcome.checkpoint else {
                throw CommandError("--state \(path): no generation of this checkpoint can be restored: " + (outcome.refused.isEmpty ? "it holds no manifest" : outcome.refused.joined(separator: "; ")))
            }
            try checkpoint.requireConfiguration(estimatorConfiguration.fingerprint, advice: "Pass the estimator settings of the run that wrote it")
            checkpoints.append(checkpoint)
        }
        if stateFromCheckpoints {
            let pipeline = loaded.settings.pipeline
            let partitions = try engine.partitions(of: topics)
            let found = try CheckpointStore(kafka: client, topic: pipeline.checkpointTopic, logger: logger)
                .newest(group: pipeline.group, partitions: partitions, atOrBefore: at.flatMap(timestamp))
            for checkpoint in found.values {
                try checkpoint.requireConfiguration(estimatorConfiguration.fingerprint, advice: "Pass the estimator settings of the run that wrote it")
            }
            checkpoints += found.values
            let when = at.map { " at or before \($0)" } ?? ""
            FileHandle.standardError.write(Data("restored \(found.count) of \(partitions.count) partitions from the checkpoints\(when) of group '\(pipeline.group)' in '\(pipeline.checkpointTopic)'\n".utf8))
        }
        var states: [KafkaTopicPartition: ImportanceEstimator] = [:]
        var stateStarts: [KafkaTopicPartition: Int64] = [:]
        for checkpoint in checkpoints {
            let partition = KafkaTopicPartition(topic: checkpoint.topic, partition: checkpoint.partition)
            do {
                states[partition] = try checkpoint.estimator(configuration: estimatorConfiguration)
            } catch let error as StateDecodingError {
                throw CommandError("the checkpoint of \(partition) is refused: \(error)")
            }
            stateStarts[partition] = checkpoint.nextOffset
        }
        var start = try parseStart()
        if case .earliest = start, !stateStarts.isEmpty { start = .offsets(stateStarts) }
        let ranges = try engine.ranges(topics: topics, start: start, end: try parseEnd())
        for (partition, offset) in stateStarts where ranges.first(where: { $0.partition == partition })?.start != offset {
            throw ValidationError("--state for \(partition) holds offset \(offset), but the replay of that partition starts elsewhere")
        }

        let sink = try RecordSink(path: toFile, kafka: client, logger: logger)
        let interruption = Interruption()
        let protobuf = toFile?.hasSuffix(".pb") == true
        let toTopic = self.toTopic ?? ""
        // A topic gets the configured output.format, as `salience run` writes it.
        let topicFormat = loaded.settings.pipeline.sampleFormat
        let formatHeader = KafkaHeader(key: SalienceHeader.sampleFormat, string: topicFormat.headerValue)
        func write(_ sample: WeightedSample) throws {
            try sink.write(
                fileRecord: protobuf ? sample.lengthDelimitedProtobuf : sample.jsonBytes + [UInt8(ascii: "\n")],
                message: KafkaProducerMessage(
                    topic: toTopic, partition: sample.source?.partition, key: Array(sample.userID.utf8),
                    value: topicFormat == .protobuf ? sample.protobufBytes : sample.jsonBytes,
                    headers: (sample.source.map(SalienceHeader.source) ?? []) + [formatHeader]
                )
            )
        }
        let total = ranges.reduce(0) { $0 + $1.count }
        let progress = Progress(total: total, unit: "events")
        let clock = ContinuousClock()
        let began = clock.now
        let summary = try engine.replay(
            ranges, states: states, emit: write, progress: { progress.update(done: $0, items: $1) },
            stopRequested: { interruption.requested }
        )
        if !summary.stopped { progress.finish(done: total, items: summary.events) }
        let outcome = try sink.finish(complete: !summary.stopped)
        let elapsed = clock.now - began
        let destination = toFile == nil ? "\(outcome.delivered) delivered to \(toTopic), \(outcome.notDelivered) not delivered" : "written to \(outcome.destination)"
        print("\(summary.stopped ? "interrupted: " : "")replayed \(summary.events) events from \(ranges.filter { $0.count > 0 }.count) partitions: \(summary.samples) samples (\(destination)), \(summary.notKept) not kept by sampling, \(summary.deadLetters) dead letters," + String(format: " in %.1f s", elapsed.totalSeconds))
        if summary.stopped { throw ExitCode(Interruption.exitCode) }
        if outcome.notDelivered > 0 { throw CommandError("\(outcome.notDelivered) of \(summary.samples) samples were not delivered to \(toTopic)") }
    }

    private func parseStart() throws -> ReplayStart {
        if from == "earliest" { return .earliest }
        if let milliseconds = timestamp(from) { return .time(milliseconds) }
        var offsets: [KafkaTopicPartition: Int64] = [:]
        for entry in from.split(separator: ",") {
            var topic = topics[0]
            var rest = Substring(entry)
            if let slash = entry.lastIndex(of: "/") {
                topic = String(entry[..<slash])
                rest = entry[entry.index(after: slash)...]
            }
            let parts = rest.split(separator: ":")
            guard parts.count == 2, let partition = Int32(parts[0]), let offset = Int64(parts[1]), partition >= 0, offset >= 0 else {
                throw ValidationError("--from expects earliest, an RFC 3339 time or partition:offset[,…], got '\(entry)'")
            }
            guard topics.count == 1 || entry.contains("/") else { throw ValidationError("--from: with several topics write topic/partition:offset") }
            offsets[KafkaTopicPartition(topic: topic, partition: partition)] = offset
        }
        return .offsets(offsets)
    }

    private func parseEnd() throws -> ReplayEnd {
        if until == "end" { return .end }
        guard let milliseconds = timestamp(until) else { throw ValidationError("--until expects end or an RFC 3339 time, got '\(until)'") }
        return .time(milliseconds)
    }

    /// An RFC 3339 date-time in epoch ms, through the event decoder's own parser.
    private func timestamp(_ text: String) -> Int64? {
        let json = #"{"user_id":"u","item_id":"i","type":"view","ts":"\#(text)"}"#
        let decoder = EventDecoder(configuration: .init(timestampRange: Int64.min...Int64.max))
        return try? decoder.decode(Array(json.utf8)).timestamp
    }
}
