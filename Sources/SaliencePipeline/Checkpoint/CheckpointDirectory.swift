import Foundation
import Logging
import SalienceCore

/// Checkpoints and model exports kept as files, each written atomically (a
/// temporary file, then a rename): a partition's checkpoint parts and
/// manifests, as the checkpoint topic holds them, in the directory
/// `<dir>/<group>/<topic>/<partition>.checkpoint/` (files `full-0`,
/// `full-1`, `changes-<generation>`, `manifest-0`, `manifest-1`), and its
/// model export in `<dir>/<group>/<topic>/<partition>.model.json`.
struct CheckpointDirectory {
    let path: String

    private func url(key: String, suffix: String) -> URL {
        URL(fileURLWithPath: path).appendingPathComponent(key + suffix)
    }

    /// Creates the directory if needed and proves it writable (a probe file
    /// written and removed), so a bad path fails at start-up, not at the first checkpoint.
    ///
    /// - Throws: ``PipelineError`` naming the directory, the reason and the setting.
    func prepare() throws {
        func refuse(_ reason: String) -> PipelineError {
            PipelineError(
                .invalidConfiguration,
                "checkpoint_directory \(path) cannot be written (\(reason)); give a writable directory with --checkpoint-dir or leave it unset"
            )
        }
        func lastError() -> String { String(cString: strerror(errno)).lowercased() }
        var prefix = path.hasPrefix("/") ? "" : "."
        for component in path.split(separator: "/") {
            prefix += "/" + component
            if mkdir(prefix, 0o755) != 0, errno != EEXIST { throw refuse("\(prefix): \(lastError())") }
        }
        let probe = path + "/.salience-write-probe-\(getpid())"
        let descriptor = open(probe, O_WRONLY | O_CREAT | O_TRUNC, 0o644)
        guard descriptor >= 0 else { throw refuse(lastError()) }
        close(descriptor)
        unlink(probe)
    }

    /// Where the checkpoint of `key` is kept (a directory).
    func checkpointPath(key: String) -> String {
        url(key: key, suffix: ".checkpoint").path
    }

    /// Writes a checkpoint's new part, then its manifest, removes the change
    /// sets a full state superseded, and writes the model export.
    func write(
        key: String, part: CheckpointPart, manifest: CheckpointManifest, manifestBytes: [UInt8],
        superseded: [CheckpointManifest.Entry], modelExport: [UInt8]
    ) throws {
        let checkpoint = url(key: key, suffix: ".checkpoint")
        try FileManager.default.createDirectory(at: checkpoint, withIntermediateDirectories: true)
        try Data(part.bytes).write(to: checkpoint.appendingPathComponent(part.name), options: .atomic)
        try Data(manifestBytes).write(to: checkpoint.appendingPathComponent(CheckpointManifest.name(generation: manifest.generation)), options: .atomic)
        for obsolete in superseded { try? FileManager.default.removeItem(at: checkpoint.appendingPathComponent(obsolete.name)) }
        try Data(modelExport).write(to: url(key: key, suffix: ".model.json"), options: .atomic)
    }

    /// The newest restorable generation of `key`'s checkpoint, or `nil` when
    /// there is none; generations refused on the way are logged.
    func read(key: String, logger: Logger) throws -> PartitionCheckpoint? {
        let path = checkpointPath(key: key)
        guard FileManager.default.fileExists(atPath: path) else { return nil }
        let outcome = try Self.read(checkpointAt: path)
        for line in outcome.refused {
            logger.warning("refusing a checkpoint generation in files", metadata: ["salience.file": "\(path)", "salience.reason": "\(line)"])
        }
        return outcome.checkpoint
    }

    /// What a checkpoint directory (`<partition>.checkpoint`) holds: its
    /// newest restorable generation and the newer ones refused.
    ///
    /// - Throws: ``PipelineError`` when `path` is not a readable directory.
    static func read(checkpointAt path: String) throws -> CheckpointGenerations.Outcome {
        var isDirectory: ObjCBool = false
        guard FileManager.default.fileExists(atPath: path, isDirectory: &isDirectory) else {
            throw PipelineError(.invalidConfiguration, "there is no checkpoint at \(path)")
        }
        guard isDirectory.boolValue,
              let names = try? FileManager.default.contentsOfDirectory(atPath: path)
        else {
            throw PipelineError(
                .incompatibleCheckpoint,
                "\(path) is not a checkpoint: a checkpoint is a directory <partition>.checkpoint of parts and manifests (format version \(StateEnvelope.formatVersion)), as --checkpoint-dir writes"
            )
        }
        var found: ChunkedRecords.Found = [:]
        for name in names where name.hasPrefix("full-") || name.hasPrefix("changes-") || name.hasPrefix("manifest-") {
            guard let bytes = FileManager.default.contents(atPath: path + "/" + name).map(Array.init),
                  let generation = CheckpointPart.storedGeneration(of: bytes)
            else { continue }
            found[name, default: [:]][generation] = bytes
        }
        return CheckpointGenerations.newest(found, exhausted: true)!
    }
}

extension PartitionCheckpoint {
    /// What the checkpoint directory at `path` (a `<partition>.checkpoint`
    /// that `checkpoint_directory` holds) says: its newest restorable
    /// generation and the newer ones refused.
    ///
    /// - Throws: ``PipelineError`` when `path` is missing or not a checkpoint directory.
    public static func read(directory path: String) throws -> CheckpointGenerations.Outcome {
        try CheckpointDirectory.read(checkpointAt: path)
    }
}
