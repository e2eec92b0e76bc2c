import Foundation
import Logging

/// Checkpoints and model exports kept as files, written atomically (a
/// temporary file, then a rename): `<dir>/<group>/<topic>/<partition>.checkpoint`
/// and `….model.json`.
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

    /// Where the checkpoint of `key` is kept.
    func checkpointPath(key: String) -> String {
        url(key: key, suffix: ".checkpoint").path
    }

    func write(_ checkpoint: PartitionCheckpoint, bytes: [UInt8], modelExport: [UInt8]) throws {
        let checkpointURL = url(key: checkpoint.key, suffix: ".checkpoint")
        try FileManager.default.createDirectory(at: checkpointURL.deletingLastPathComponent(), withIntermediateDirectories: true)
        try Data(bytes).write(to: checkpointURL, options: .atomic)
        try Data(modelExport).write(to: url(key: checkpoint.key, suffix: ".model.json"), options: .atomic)
    }

    /// The stored checkpoint, or `nil` when there is none or it is refused (logged).
    func read(key: String, logger: Logger) throws -> PartitionCheckpoint? {
        let checkpointURL = url(key: key, suffix: ".checkpoint")
        guard FileManager.default.fileExists(atPath: checkpointURL.path) else { return nil }
        do {
            return try PartitionCheckpoint.decode(Array(try Data(contentsOf: checkpointURL)), expectedFingerprint: nil)
        } catch {
            logger.warning("refusing checkpoint file", metadata: ["salience.file": "\(checkpointURL.path)", "salience.error": "\(error)"])
            return nil
        }
    }
}
