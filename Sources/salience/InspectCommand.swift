import ArgumentParser
import Foundation
import Logging
import SalienceCore
import SalienceConfiguration
import SalienceKafka
import SaliencePipeline

/// `salience inspect`: look inside checkpoints.
struct InspectCommand: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "inspect",
        abstract: "Show what a checkpoint or a stream of samples holds.",
        subcommands: [InspectCheckpoint.self, InspectSamples.self]
    )
}

/// `salience inspect checkpoint FILE`.
struct InspectCheckpoint: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "checkpoint",
        abstract: "The newest restorable generation (its parts and sizes), version, configuration fingerprint, offsets, watermark, checksums and a model summary.",
        discussion: "Pass the estimator flags the checkpoint was written with to see its model; without them the header and checksum are still shown."
    )

    @Argument(help: "A checkpoint directory (<partition>.checkpoint, from --checkpoint-dir); or use --checkpoint-topic with --group, --topic and --partition.")
    var file: String?

    @Option(name: .long, help: "Read the newest checkpoint from this checkpoint topic instead of a file (default: none, read FILE).")
    var checkpointTopic: String?

    @Option(name: .long, help: "With --checkpoint-topic: the consumer group that wrote it.")
    var group: String = "salience"

    @Option(name: .long, help: "With --checkpoint-topic: the input topic.")
    var topic: String = "events"

    @Option(name: .long, help: "With --checkpoint-topic: the input partition.")
    var partition: Int32 = 0

    @OptionGroup var kafka: KafkaOptions

    @Option(name: .long, help: "How many of the largest weights to list.")
    var top: Int = 10

    @Flag(name: .long, help: "Print the manifest as JSON (Schemas/checkpoint-manifest.schema.json).")
    var json = false

    @OptionGroup var settings: SettingsOptions
    @OptionGroup var estimator: EstimatorOptions

    private func loadedSettings() throws -> SalienceSettings {
        try settings.load(flags: kafka.settingInputs + estimator.settingInputs).settings
    }

    func validate() throws {
        guard (file == nil) != (checkpointTopic == nil) else { throw ValidationError("give a checkpoint FILE or --checkpoint-topic, not both") }
    }

    func run() throws {
        let source: String
        let outcome: CheckpointGenerations.Outcome
        if let file {
            source = file
            do {
                outcome = try PartitionCheckpoint.read(directory: file)
            } catch let error as PipelineError {
                throw CommandError(error.message)
            }
        } else {
            var logger = Logger(label: "salience.inspect")
            logger.logLevel = .error
            var client = try loadedSettings().pipeline.kafka
            client.clientID = "salience-inspect"
            try BrokerCheck.reachable(client, logger: logger)
            let store = CheckpointStore(kafka: client, topic: checkpointTopic!, logger: logger)
            guard let found = try store.newest(group: group, topic: topic, partition: partition), found.checkpoint != nil else {
                print("no restorable checkpoint of \(group)/\(topic)/\(partition) in \(checkpointTopic!):")
                for line in try store.survey(group: group, topic: topic, partition: partition) { print("  " + line) }
                throw ExitCode.failure
            }
            source = "\(checkpointTopic!) (newest of \(group)/\(topic)/\(partition))"
            outcome = found
        }
        guard let checkpoint = outcome.checkpoint, let stored = outcome.manifest else {
            if json {
                print(try jsonText(["checksum_valid": false, "refused": outcome.refused]))
            } else {
                print("checkpoint refused: no generation can be restored" + (outcome.refused.isEmpty ? " (it holds no manifest)" : ""))
                for line in outcome.refused { print("  " + line) }
            }
            throw ExitCode.failure
        }
        let header = try StateEnvelope.header(of: checkpoint.estimatorState)
        let storedBytes = stored.parts.reduce(0) { $0 + $1.byteCount }
        let stateBytes = checkpoint.estimatorChanges.reduce(checkpoint.estimatorState.count) { $0 + $1.count }
        var manifest: [String: Any] = [
            "format_version": Int(header.formatVersion),
            "configuration_fingerprint": hex(header.fingerprint),
            "size_bytes": storedBytes,
            "checksum_valid": true,
            "state_bytes": stateBytes,
            "group": checkpoint.group,
            "topic": checkpoint.topic,
            "partition": Int(checkpoint.partition),
            "next_offset": Int(checkpoint.nextOffset),
            "generation": Int(checkpoint.generation),
            "parts": stored.parts.map { part in
                ["name": part.name, "kind": part.kind == .full ? "full" : "changes", "generation": Int(part.generation), "size_bytes": part.byteCount] as [String: Any]
            },
            "refused": outcome.refused,
        ]
        var lines = [
            "source:         \(source)",
            "generation:     \(checkpoint.generation): the full state of generation \(stored.parts[0].generation) and \(stored.parts.count - 1) change set\(stored.parts.count == 2 ? "" : "s") after it, "
                + "\(storedBytes) bytes stored, CRC-32C valid (\(stateBytes) bytes uncompressed)",
        ]
        for part in stored.parts {
            lines.append("  \(part.name.padding(toLength: 14, withPad: " ", startingAt: 0)) generation \(part.generation), \(part.byteCount) bytes in \(part.chunks) message\(part.chunks == 1 ? "" : "s")")
        }
        for line in outcome.refused { lines.append("newer, refused: \(line)") }
        lines += [
            "format version: \(header.formatVersion)",
            "configuration:  \(hex(header.fingerprint))",
            "partition:      \(checkpoint.group)/\(checkpoint.topic)/\(checkpoint.partition), next offset \(checkpoint.nextOffset)",
        ]
        let configuration = try loadedSettings().pipeline.estimator
        if configuration.fingerprint == header.fingerprint {
            let restored = try checkpoint.estimator(configuration: configuration)
            let weights = restored.model.nonZeroWeights()
            manifest["events_processed"] = Int(restored.eventsProcessed)
            manifest["watermark"] = restored.watermark.map { Int($0) } ?? NSNull()
            manifest["model"] = [
                "feature_bits": configuration.features.bits,
                "non_zero_weights": weights.count,
                "progressive_log_loss": restored.metrics.logLoss ?? NSNull(),
                "progressive_auc": restored.metrics.auc ?? NSNull(),
            ] as [String: Any]
            lines.append("events:         \(restored.eventsProcessed), watermark \(restored.watermark.map(String.init) ?? "none") ms")
            if configuration.labels.policy != .perEvent {
                lines.append("labels:         \(configuration.labels.policy.rawValue), \(restored.pendingExposures) exposures waiting for their label")
            }
            lines.append("model:          2^\(configuration.features.bits) weights, \(weights.count) non-zero; progressive log-loss "
                         + (restored.metrics.logLoss.map { String(format: "%.4f", $0) } ?? "n/a") + ", AUC "
                         + (restored.metrics.auc.map { String(format: "%.4f", $0) } ?? "n/a"))
            lines.append("largest weights (index: weight):")
            for entry in weights.sorted(by: { abs($0.weight) > abs($1.weight) }).prefix(top) {
                lines.append(String(format: "  %8d: %+.5f", entry.index, entry.weight))
            }
        } else {
            manifest["events_processed"] = 0
            lines.append("model:          not shown: the estimator flags given do not match configuration \(hex(header.fingerprint))")
        }
        print(json ? try jsonText(manifest) : lines.joined(separator: "\n"))
    }

    private func hex(_ value: UInt64) -> String {
        let digits = String(value, radix: 16)
        return String(repeating: "0", count: 16 - digits.count) + digits
    }

    private func jsonText(_ object: [String: Any]) throws -> String {
        String(decoding: try JSONSerialization.data(withJSONObject: object, options: [.sortedKeys]), as: UTF8.self)
    }
}

/// `salience inspect samples`: a readable table of samples from a file or a topic.
struct InspectSamples: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "samples",
        abstract: "Print samples from a JSON-lines (.jsonl) or length-delimited protobuf (.pb) file, or a samples topic, as a table.",
        discussion: "Records that are not samples are reported on standard error with their line (or byte offset, or partition and offset), and the command then exits 1."
    )

    @Argument(help: "A file of samples from replay --to-file: JSON lines, or length-delimited protobuf when it ends in .pb; or use --samples-topic.")
    var file: String?

    @Option(name: .long, help: "Read this samples topic from the beginning instead of a file (default: none, read FILE).")
    var samplesTopic: String?

    @Option(name: .long, help: "How many samples to print.")
    var limit: Int = 20

    @OptionGroup var kafka: KafkaOptions

    func validate() throws {
        guard (file == nil) != (samplesTopic == nil) else { throw ValidationError("give a FILE or --samples-topic, not both") }
        guard limit >= 1 else { throw ValidationError("--limit expects a number ≥ 1, got \(limit)") }
    }

    func run() throws {
        var samples: [WeightedSampleRecord] = []
        var unreadable: [String] = []
        if let file, file.hasSuffix(".pb") {
            var reader = ProtobufWireReader(bytes: try InputFile.bytes(file))
            while samples.count < limit, !reader.atEnd {
                let at = reader.index
                do {
                    var message = ProtobufWireReader(bytes: try reader.delimitedMessage())
                    samples.append(WeightedSampleRecord(protobuf: try message.fields()))
                } catch {
                    // Past a broken length prefix nothing can be framed again.
                    unreadable.append("byte \(at): \(error); the rest of the file cannot be framed")
                    break
                }
            }
        } else if let file {
            var reader = try LineReader(path: file)
            var number = 0
            while samples.count < limit, let line = reader.next() {
                number += 1
                guard !line.isEmpty else { continue }
                if let sample = WeightedSampleRecord(json: Array(line.utf8)) {
                    samples.append(sample)
                } else {
                    unreadable.append("line \(number): not a JSON sample" + (file.hasSuffix(".jsonl") ? "" : " (a protobuf file must end in .pb)"))
                }
            }
        } else if let samplesTopic {
            var logger = Logger(label: "salience.inspect")
            logger.logLevel = .error
            let client = kafka.clientConfiguration(clientID: "salience-inspect")
            try BrokerCheck.reachable(client, logger: logger)
            let partitions = try KafkaAdmin(configuration: client, logger: logger).describeTopic(samplesTopic, timeout: .seconds(15)).partitions
            let consumer = try KafkaConsumer(configuration: KafkaConsumerConfiguration(client: client), logger: logger)
            defer { try? consumer.close() }
            try consumer.assign(partitions.map { KafkaTopicPartitionOffset(topic: samplesTopic, partition: $0.id, offset: KafkaOffset.beginning) })
            let deadline = ContinuousClock.now + .seconds(10)
            while samples.count < limit, ContinuousClock.now < deadline {
                for message in try consumer.poll(maxMessages: limit - samples.count, timeout: .milliseconds(200)) {
                    if let sample = WeightedSampleRecord(message) {
                        samples.append(sample)
                    } else {
                        unreadable.append("\(samplesTopic)/\(message.partition) offset \(message.offset): not a sample in the format its header names")
                    }
                }
            }
        }
        print(SampleTable(samples).render())
        guard unreadable.isEmpty else {
            for entry in unreadable.prefix(10) { FileHandle.standardError.write(Data("not a sample: \(entry)\n".utf8)) }
            throw CommandError("\(unreadable.count) record\(unreadable.count == 1 ? "" : "s") could not be read as samples (listed above)")
        }
    }
}

/// Samples as a table with aligned columns.
struct SampleTable {
    let samples: [WeightedSampleRecord]

    init(_ samples: [WeightedSampleRecord]) {
        self.samples = samples
    }

    /// The header line and a line per sample; text columns left-aligned, numbers right-aligned.
    func render() -> String {
        let header = ["type", "user", "item", "label", "weight", "objective", "expert", "class", "popular", "sampling", "model p"]
        let rows = samples.map { sample -> [String] in
            [sample.type, String(sample.userID.prefix(12)), String(sample.itemID.prefix(12)), String(sample.label),
             String(format: "%.4f", sample.weight), String(format: "%.4f", sample.objective["weight"] ?? 0),
             String(format: "%.3f", sample.objective["expert"] ?? 0), String(format: "%.3f", sample.objective["class_balance"] ?? 0),
             String(format: "%.3f", sample.objective["popularity"] ?? 0), String(format: "%.2f", sample.sampling["weight"] ?? 0),
             String(format: "%.4f", sample.modelScore)]
        }
        let widths = header.indices.map { column in ([header] + rows).map { $0[column].count }.max() ?? 0 }
        func line(_ cells: [String]) -> String {
            cells.indices.map { column in
                let padding = String(repeating: " ", count: widths[column] - cells[column].count)
                return column < 3 ? cells[column] + padding : padding + cells[column]
            }.joined(separator: "  ")
        }
        return ([line(header)] + rows.map(line)).joined(separator: "\n")
    }
}
