import ArgumentParser
import Foundation
import Logging
import SalienceCore
import SalienceKafka

/// `salience import`: a dataset file (or a generated stream) to canonical events.
struct ImportCommand: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "import",
        abstract: "Read a dataset file and produce canonical events keyed by user id, in file order.",
        discussion: "A bad row never stops the import (unless --strict): it is counted and the first ones are reported with line numbers."
    )

    @Option(name: .long, help: "taobao, retailrocket, rees46, otto, yoochoose, tianchi, diginetica or jsonl.")
    var format: String = "taobao"

    @Argument(help: "The dataset file.")
    var file: String?

    @Option(name: .long, help: "Instead of a file, this many events from the built-in generator (Zipf items, sessions, a Taobao-like funnel).")
    var synthetic: Int?

    @Option(name: .long, help: "Seed of the built-in generator.")
    var seed: UInt64 = 42

    @Option(name: .long, help: "Topic to produce to.")
    var topic: String = "events"

    @OptionGroup var kafka: KafkaOptions

    @Option(name: .long, help: "Write canonical JSON lines to this file instead of producing.")
    var toFile: String?

    @Flag(name: .long, help: "Stop at the first bad row.")
    var strict = false

    @Option(name: .long, help: "How many bad rows to report in detail.")
    var showErrors: Int = 10

    func validate() throws {
        guard DatasetFormat(rawValue: format) != nil else {
            throw ValidationError("--format expects one of \(DatasetFormat.allCases.map(\.rawValue).joined(separator: ", ")), got '\(format)'")
        }
        guard (file == nil) != (synthetic == nil) else { throw ValidationError("give a FILE or --synthetic N, not both") }
        if let synthetic, synthetic < 1 { throw ValidationError("--synthetic expects a number ≥ 1") }
    }

    func run() async throws {
        let sink = try RecordSink(path: toFile, kafka: kafka.clientConfiguration(clientID: "salience-import"), logger: Logger(label: "salience.import"))
        let topic = self.topic
        func write(_ event: BehaviorEvent) throws {
            // A record's timestamp is its event time, so replays can start and end at a time.
            try sink.write(
                fileRecord: event.jsonBytes + [UInt8(ascii: "\n")],
                message: KafkaProducerMessage(topic: topic, key: Array(event.userID.utf8), value: event.jsonBytes, timestampMilliseconds: event.timestamp)
            )
        }
        var counts: [BehaviorType: Int] = [:]
        var badRows = 0
        var rows = 0
        if let synthetic {
            let progress = Progress(total: Int64(synthetic), unit: "events")
            for event in SyntheticEventStream(configuration: .init(seed: seed)).prefix(synthetic) {
                try write(event)
                counts[event.type, default: 0] += 1
                rows += 1
                progress.update(done: Int64(rows), items: rows)
            }
            progress.finish(done: Int64(rows), items: rows)
        } else if let file {
            let importer = DatasetImporter(format: DatasetFormat(rawValue: format)!)
            let size = (try? FileManager.default.attributesOfItem(atPath: file)[.size] as? Int64) ?? nil
            let progress = Progress(total: size, unit: "rows")
            var reader = try LineReader(path: file)
            while let line = reader.next() {
                rows += 1
                switch importer.row(line, number: rows) {
                case .event(let event):
                    try write(event)
                    counts[event.type, default: 0] += 1
                case .skipped:
                    break
                case .failed(let error):
                    badRows += 1
                    if badRows <= showErrors { FileHandle.standardError.write(Data("bad row: \(error)\n".utf8)) }
                    if strict {
                        FileHandle.standardError.write(Data("stopping at the first bad row (--strict)\n".utf8))
                        throw ExitCode.failure
                    }
                }
                progress.update(done: reader.bytesRead, items: rows)
            }
            progress.finish(done: reader.bytesRead, items: rows)
        }
        let failures = try sink.finish()
        let imported = counts.values.reduce(0, +)
        let byType = BehaviorType.allCases.compactMap { type in counts[type].map { "\(type.name) \($0)" } }.joined(separator: ", ")
        print("imported \(imported) events (\(byType)) from \(rows) rows; \(badRows) bad rows; \(failures) not delivered")
        if failures > 0 { throw ExitCode.failure }
    }
}
