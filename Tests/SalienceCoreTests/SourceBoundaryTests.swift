import Foundation
import SalienceTestSupport
import Testing

/// The doors to C, checked in the sources: the estimator core imports no C
/// module, and librdkafka is called only under `SalienceKafka/RDKafka/`.
@Suite(.ownThreads) struct SourceBoundaryTests {
    private let sources = URL(fileURLWithPath: #filePath)
        .deletingLastPathComponent().deletingLastPathComponent().deletingLastPathComponent()
        .appendingPathComponent("Sources")

    /// Every Swift file under `directory`, with its lines.
    private func swiftFiles(under directory: URL) throws -> [(path: String, lines: [Substring])] {
        let enumerator = try #require(FileManager.default.enumerator(at: directory, includingPropertiesForKeys: nil))
        return try enumerator.compactMap { $0 as? URL }.filter { $0.pathExtension == "swift" }.map { url in
            (url.path, try String(contentsOf: url, encoding: .utf8).split(separator: "\n", omittingEmptySubsequences: false))
        }
    }

    @Test func theCoreImportsNoCModule() throws {
        let files = try swiftFiles(under: sources.appendingPathComponent("SalienceCore"))
        #expect(files.count > 50, "found \(files.count) files of SalienceCore")
        let cImports = files.flatMap { file in
            file.lines.filter { $0.range(of: #"^\s*(@_implementationOnly\s+|internal\s+|private\s+)?import\s+C[A-Z]"#, options: .regularExpression) != nil }
                .map { "\(file.path): \($0)" }
        }
        #expect(cImports.isEmpty, "\(cImports)")
    }

    @Test func librdkafkaIsCalledOnlyUnderRDKafka() throws {
        let files = try swiftFiles(under: sources)
        let calls = files.filter { !$0.path.contains("/SalienceKafka/RDKafka/") }.flatMap { file in
            file.lines.filter { $0.contains("rd_kafka_") && !$0.trimmingCharacters(in: .whitespaces).hasPrefix("//") }
                .map { "\(file.path): \($0)" }
        }
        #expect(calls.isEmpty, "\(calls)")
    }
}
