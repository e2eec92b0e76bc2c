import Foundation
import SaliencePipeline

/// The `salience` executable of this build, run as a child process.
final class SalienceProcess {
    static let executable: URL = {
        URL(fileURLWithPath: #filePath).deletingLastPathComponent().deletingLastPathComponent().deletingLastPathComponent()
            .appendingPathComponent(".build/debug/salience")
    }()

    let process = Process()
    /// Where its standard output and error go.
    let logURL: URL
    private let log: FileHandle

    /// Starts `salience run` against the harness's cluster; its output goes to a log file.
    convenience init(
        run harness: PipelineHarness, group: String, delivery: DeliveryMode, checkpointEvents: Int = 2000, settings: [String] = []
    ) throws {
        try self.init(arguments: [
            "run", "--bootstrap", harness.cluster.bootstrapServers, "--group", group, "--topic", harness.events,
            "--samples-topic", "samples", "--dead-letter-topic", "dead-letters", "--checkpoint-topic", "checkpoints",
            "--models-topic", "models", "--delivery", delivery.rawValue, "--checkpoint-events", String(checkpointEvents),
            "--session-timeout-ms", "3000", "--sketch-epsilon", "0.01", "--logq-bucket-bits", "12", "--feature-bits", "15",
            "--http-port", "0",
        ] + settings.flatMap { ["--set", $0] }, name: group)
    }

    /// Starts `salience` with `arguments`.
    init(arguments: [String], name: String, environment: [String: String] = [:]) throws {
        guard FileManager.default.isExecutableFile(atPath: Self.executable.path) else {
            throw CocoaError(.fileNoSuchFile, userInfo: [NSFilePathErrorKey: Self.executable.path + " (run `swift build` first)"])
        }
        process.executableURL = Self.executable
        process.arguments = arguments
        process.environment = ProcessInfo.processInfo.environment.filter { !$0.key.hasPrefix("SALIENCE_") }.merging(environment) { _, new in new }
        logURL = FileManager.default.temporaryDirectory.appendingPathComponent("salience-\(name)-\(UUID().uuidString.prefix(6)).log")
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

    /// What it has written so far.
    var output: String {
        (try? String(contentsOf: logURL, encoding: .utf8)) ?? ""
    }

    /// SIGTERM, then the exit status.
    func terminate() -> Int32 {
        process.terminate()
        process.waitUntilExit()
        return process.terminationStatus
    }
}
