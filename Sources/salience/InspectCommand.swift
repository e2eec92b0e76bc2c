import ArgumentParser
import Foundation
import SalienceCore
import SaliencePipeline

/// `salience inspect`: look inside checkpoints.
struct InspectCommand: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "inspect",
        abstract: "Show what a checkpoint file holds.",
        subcommands: [InspectCheckpoint.self]
    )
}

/// `salience inspect checkpoint FILE`.
struct InspectCheckpoint: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "checkpoint",
        abstract: "Header, version, configuration fingerprint, offsets, watermark, sizes, checksum and a model summary.",
        discussion: "Pass the estimator flags the checkpoint was written with to see its model; without them the header and checksum are still shown."
    )

    @Argument(help: "A checkpoint file (from --checkpoint-dir).")
    var file: String

    @Option(name: .long, help: "How many of the largest weights to list.")
    var top: Int = 10

    @Flag(name: .long, help: "Print the manifest as JSON (Schemas/checkpoint-manifest.schema.json).")
    var json = false

    @OptionGroup var estimator: EstimatorOptions

    func run() throws {
        let bytes = Array(try Data(contentsOf: URL(fileURLWithPath: file)))
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
            "file:           \(file) (\(bytes.count) bytes, CRC-32C valid)",
            "format version: \(header.formatVersion)",
            "configuration:  \(hex(header.fingerprint))",
            "partition:      \(checkpoint.group)/\(checkpoint.topic)/\(checkpoint.partition), next offset \(checkpoint.nextOffset)",
        ]
        let configuration = try estimator.configuration()
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
