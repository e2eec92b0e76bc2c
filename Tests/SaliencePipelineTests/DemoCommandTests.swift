import Foundation
import SalienceTestSupport
import Testing

@Suite(.ownThreads, .timeLimit(.minutes(5)))
struct DemoCommandTests {
    /// `salience demo` as a user runs it: it exits 0 by itself and its summary
    /// counts match what it fed (events plus its five malformed messages).
    @Test func demoRunsToTheEndAndItsSummaryMatchesWhatItFed() throws {
        let directory = FileManager.default.temporaryDirectory.appendingPathComponent("demo-\(UUID().uuidString.prefix(8))")
        let process = Process()
        process.executableURL = SalienceProcess.executable
        process.arguments = ["demo", "--events", "3000", "--checkpoint-dir", directory.path]
        let output = Pipe()
        process.standardOutput = output
        process.standardError = FileHandle.nullDevice
        try process.run()
        let text = String(decoding: output.fileHandleForReading.readDataToEndOfFile(), as: UTF8.self)
        process.waitUntilExit()
        #expect(process.terminationStatus == 0)
        func number(after label: String) -> Int? {
            text.split(separator: "\n").first { $0.hasPrefix(label) }
                .flatMap { Int($0.dropFirst(label.count).split(separator: " ").first ?? "") }
        }
        #expect(number(after: "events in:") == 3005)
        #expect(number(after: "samples out:") == 3000)
        #expect(number(after: "dead letters:") == 5)
        #expect(text.contains("== Five highest-weighted samples"))
        #expect(text.contains("progressive log-loss"))
        // The checkpoints it names are on disk.
        let files = try FileManager.default.contentsOfDirectory(atPath: directory.appendingPathComponent("salience-demo/events").path)
        #expect(files.filter { $0.hasSuffix(".checkpoint") }.count == 4)
        #expect(files.filter { $0.hasSuffix(".model.json") }.count == 4)

        // `salience inspect` reads them, and refuses one with a flipped bit.
        let checkpoint = directory.appendingPathComponent("salience-demo/events/0.checkpoint")
        let (status, inspected) = try run(["inspect", "checkpoint", checkpoint.path, "--feature-bits", "18", "--sketch-epsilon", "0.001", "--logq-bucket-bits", "16"])
        #expect(status == 0)
        #expect(inspected.contains("CRC-32C valid"))
        #expect(inspected.contains("non-zero; progressive log-loss"))
        let corrupt = directory.appendingPathComponent("corrupt.checkpoint")
        try FileManager.default.copyItem(at: checkpoint, to: corrupt)
        // Every full state: with two engine threads a rebalance may have
        // added a generation, and the newest intact one would be shown.
        let fullStates = try FileManager.default.contentsOfDirectory(atPath: corrupt.path).filter { $0.hasPrefix("full-") }
        #expect(fullStates.contains("full-0"))
        for name in fullStates {
            let part = corrupt.appendingPathComponent(name)
            var bytes = try Data(contentsOf: part)
            bytes[bytes.count / 2] ^= 0x40
            try bytes.write(to: part)
        }
        let full = corrupt.appendingPathComponent("full-0")
        let (badStatus, badText) = try run(["inspect", "checkpoint", corrupt.path])
        #expect(badStatus != 0)
        #expect(badText.contains("full-0 of generation 0 does not match its checksum"), "\(badText)")
        let (fileStatus, fileText) = try run(["inspect", "checkpoint", full.path])
        #expect(fileStatus != 0)
        #expect(fileText.contains("is not a checkpoint: a checkpoint is a directory"), "\(fileText)")
    }

    /// A second demo in the same directory is a run of its own: the first
    /// run's checkpoints (of a broker that is gone) are removed, not restored,
    /// so it handles every message again and prints the same summary.
    @Test func aSecondDemoInTheSameDirectoryRepeatsTheFirst() throws {
        let directory = FileManager.default.temporaryDirectory.appendingPathComponent("demo-twice-\(UUID().uuidString.prefix(8))")
        try FileManager.default.createDirectory(at: directory, withIntermediateDirectories: true)
        let arguments = ["demo", "--events", "1500", "--timeout", "90"]
        let (firstStatus, first) = try run(arguments, in: directory)
        let (secondStatus, second) = try run(arguments, in: directory)
        #expect(firstStatus == 0)
        #expect(secondStatus == 0, "second demo: \(second)")
        #expect(!first.contains("Removed the previous demo's checkpoints"))
        #expect(second.contains("Removed the previous demo's checkpoints"))
        func summary(_ text: String) -> Substring? {
            text.range(of: "== Summary").map { text[$0.lowerBound...] }
        }
        #expect(summary(second)?.contains("samples out:  1500") == true)
        #expect(summary(first) != nil && summary(first) == summary(second))
    }

    /// Runs `salience` with `arguments` (in `directory`, when given); its exit status and standard output.
    private func run(_ arguments: [String], in directory: URL? = nil) throws -> (Int32, String) {
        let process = Process()
        process.executableURL = SalienceProcess.executable
        process.arguments = arguments
        if let directory { process.currentDirectoryURL = directory }
        let output = Pipe()
        process.standardOutput = output
        process.standardError = output
        try process.run()
        let text = String(decoding: output.fileHandleForReading.readDataToEndOfFile(), as: UTF8.self)
        process.waitUntilExit()
        return (process.terminationStatus, text)
    }
}
