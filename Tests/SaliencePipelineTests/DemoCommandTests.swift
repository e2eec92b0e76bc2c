import Foundation
import Testing

@Suite(.timeLimit(.minutes(5)))
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
    }
}
