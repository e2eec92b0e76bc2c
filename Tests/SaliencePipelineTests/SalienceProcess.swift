import Foundation
import SaliencePipeline

/// The `salience` executable of this build, run as a child process.
final class SalienceProcess {
    static let executable: URL = {
        URL(fileURLWithPath: #filePath).deletingLastPathComponent().deletingLastPathComponent().deletingLastPathComponent()
            .appendingPathComponent(".build/debug/salience")
    }()

    let process = Process()
    private let log: FileHandle

    /// Starts `salience run` against the harness's cluster; its output goes to a log file.
    init(run harness: PipelineHarness, group: String, delivery: DeliveryMode, checkpointEvents: Int = 2000) throws {
        guard FileManager.default.isExecutableFile(atPath: Self.executable.path) else {
            throw CocoaError(.fileNoSuchFile, userInfo: [NSFilePathErrorKey: Self.executable.path + " (run `swift build` first)"])
        }
        process.executableURL = Self.executable
        process.arguments = [
            "run", "--bootstrap", harness.cluster.bootstrapServers, "--group", group, "--topic", harness.events,
            "--samples-topic", "samples", "--dead-letter-topic", "dead-letters", "--checkpoint-topic", "checkpoints",
            "--models-topic", "models", "--delivery", delivery.rawValue, "--checkpoint-events", String(checkpointEvents),
            "--session-timeout-ms", "3000", "--sketch-epsilon", "0.01", "--logq-bucket-bits", "12", "--feature-bits", "15",
            "--http-port", "0",
        ]
        let logURL = FileManager.default.temporaryDirectory.appendingPathComponent("salience-\(group)-\(UUID().uuidString.prefix(6)).log")
        _ = FileManager.default.createFile(atPath: logURL.path, contents: nil)
        log = try FileHandle(forWritingTo: logURL)
        process.standardOutput = log
        process.standardError = log
        try process.run()
    }

    /// A test that fails early must not leave its child running.
    deinit {
        if process.isRunning { kill() }
    }

    /// kill -9.
    func kill() {
        Foundation.kill(process.processIdentifier, SIGKILL)
        process.waitUntilExit()
    }

    /// SIGTERM, then the exit status.
    func terminate() -> Int32 {
        process.terminate()
        process.waitUntilExit()
        return process.terminationStatus
    }
}
