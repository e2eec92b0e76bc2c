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
        abstract: "Header, version, configuration fingerprint, offsets, watermark, sizes, checksum and a model summary.",
        discussion: "Pass the estimator flags the checkpoint was written with to see its model; without them the header and checksum are still shown."
    )

    @Argument(help: "A checkpoint file (from --checkpoint-dir); or use --checkpoint-topic with --group, --topic and --partition.")
    var file: String?

    @Option(name: .long, help: "Read the newest checkpoint from this checkpoint topic instead of a file.")
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
        let bytes: [UInt8]
        if let file {
            source = file
            bytes = Array(try Data(contentsOf: URL(fileURLWithPath: file)))
        } else {
            var logger = Logger(label: "salience.inspect")
            logger.logLevel = .error
            var client = try loadedSettings().pipeline.kafka
            client.clientID = "salience-inspect"
            let store = CheckpointStore(kafka: client, topic: checkpointTopic!, logger: logger)
            guard let newest = try store.newest(group: group, topic: topic, partition: partition) else {
                print("no valid checkpoint of \(group)/\(topic)/\(partition) in \(checkpointTopic!)")
                throw ExitCode.failure
            }
            source = "\(checkpointTopic!) (newest of \(group)/\(topic)/\(partition))"
            bytes = newest.bytes
        }
        let header = try StateEnvelope.header(of: bytes)
        var manifest: [String: Any] = [
            "format_version": Int(header.formatVersion),
            "configuration_fingerprint": hex(header.fingerprint),
            "size_bytes": bytes.count,
        ]
        let checkpoint: PartitionCheckpoint
        do {
            checkpoint = try PartitionCheckpoint.decode(bytes, expectedFingerprint: nil)
            manifest["checksum_valid"] = true
        } catch {
            manifest["checksum_valid"] = false
            print(json ? try jsonText(manifest) : "checkpoint refused: \(error)")
            throw ExitCode.failure
        }
        manifest["group"] = checkpoint.group
        manifest["topic"] = checkpoint.topic
        manifest["partition"] = Int(checkpoint.partition)
        manifest["next_offset"] = Int(checkpoint.nextOffset)
        var lines = [
            "source:         \(source) (\(bytes.count) bytes, CRC-32C valid)",
            "format version: \(header.formatVersion)",
            "configuration:  \(hex(header.fingerprint))",
            "partition:      \(checkpoint.group)/\(checkpoint.topic)/\(checkpoint.partition), next offset \(checkpoint.nextOffset)",
        ]
        let configuration = try loadedSettings().pipeline.estimator
        if configuration.fingerprint == header.fingerprint {
            let restored = try ImportanceEstimator(configuration: configuration, restoring: checkpoint.estimatorState)
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
        abstract: "Print samples from a JSON-lines file or a samples topic as a table."
    )

    @Argument(help: "A JSON-lines file of samples (from replay --to-file); or use --samples-topic.")
    var file: String?

    @Option(name: .long, help: "Read this samples topic from the beginning instead of a file.")
    var samplesTopic: String?

    @Option(name: .long, help: "How many samples to print.")
    var limit: Int = 20

    @OptionGroup var kafka: KafkaOptions

    func validate() throws {
        guard (file == nil) != (samplesTopic == nil) else { throw ValidationError("give a FILE or --samples-topic, not both") }
    }

    func run() throws {
        var documents: [[UInt8]] = []
        if let file {
            var reader = try LineReader(path: file)
            while documents.count < limit, let line = reader.next() {
                if !line.isEmpty { documents.append(Array(line.utf8)) }
            }
        } else if let samplesTopic {
            var logger = Logger(label: "salience.inspect")
            logger.logLevel = .error
            let client = kafka.clientConfiguration(clientID: "salience-inspect")
            let partitions = try KafkaAdmin(configuration: client, logger: logger).describeTopic(samplesTopic, timeout: .seconds(15)).partitions
            let consumer = try KafkaConsumer(configuration: KafkaConsumerConfiguration(client: client), logger: logger)
            defer { try? consumer.close() }
            try consumer.assign(partitions.map { KafkaTopicPartitionOffset(topic: samplesTopic, partition: $0.id, offset: KafkaOffset.beginning) })
            let deadline = ContinuousClock.now + .seconds(10)
            while documents.count < limit, ContinuousClock.now < deadline {
                documents += try consumer.poll(maxMessages: limit - documents.count, timeout: .milliseconds(200)).map(\.value)
            }
        }
        print(String(format: "%-10@ %-12@ %-12@ %-5@ %9@ %9@ %9@ %9@ %9@ %9@ %8@", "type", "user", "item", "label", "weight",
                     "objective", "expert", "class", "popular", "sampling", "model p"))
        for document in documents {
            guard let sample = WeightedSampleRecord(json: document) else { continue }
            print(String(format: "%-10@ %-12@ %-12@ %-5d %9.4f %9.4f %9.3f %9.3f %9.3f %9.2f %8.4f",
                         sample.type, String(sample.userID.prefix(12)), String(sample.itemID.prefix(12)), sample.label,
                         sample.weight, sample.objective["weight"] ?? 0, sample.objective["expert"] ?? 0,
                         sample.objective["class_balance"] ?? 0, sample.objective["popularity"] ?? 0,
                         sample.sampling["weight"] ?? 0, sample.modelScore))
        }
    }
}
