import ArgumentParser
import Foundation
import Logging
import SalienceCore
import SalienceDatasets
import SalienceKafka

/// `salience import`: a dataset file (or a generated stream) to canonical events.
struct ImportCommand: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "import",
        abstract: "Read a dataset file and produce canonical events keyed by user id, in file order.",
        discussion: """
            A bad row does not stop the import (unless --strict): it is counted and the first ones \
            are reported with line numbers. A header line is recognised, not counted. Exits 1 when \
            no event was imported, when bad rows exceed --max-bad-rows, or when a record was not \
            delivered. Ctrl-C stops reading, flushes what was produced, prints the summary and exits \
            130 (a second Ctrl-C exits at once). --to-file writes FILE.partial and renames it to FILE \
            only when the import is complete.
            """
    )

    @Option(name: .long, help: "\(DatasetFormat.allCases.map(\.rawValue).joined(separator: ", ")).")
    var format: String = "taobao"

    @Argument(help: "The dataset file.")
    var file: String?

    @Option(name: .long, help: "Instead of a file, this many events from the built-in generator (Zipf items, sessions, a Taobao-like funnel; default: none, read FILE).")
    var synthetic: Int?

    @Option(name: .long, help: "Seed of the built-in generator.")
    var seed: UInt64 = 42

    @Option(name: .long, help: "The generator of --synthetic: sessions (Taobao-like sessions and funnel) or click-model (the stream `salience evaluate --synthetic` grades, with the same --seed and --label-noise).")
    var generator: String = "sessions"

    @Option(name: .long, help: "With --generator click-model: the probability that an event without engagement is an accidental click.")
    var labelNoise: Double = 0

    @Option(name: .long, help: "Topic to produce to.")
    var topic: String = "events"

    @OptionGroup var kafka: KafkaOptions

    @Option(name: .long, help: "Write canonical JSON lines to this file instead of producing (default: none, produce to --topic).")
    var toFile: String?

    @Flag(name: .long, help: "Stop at the first bad row.")
    var strict = false

    @Option(name: .long, help: "Fail (exit 1) when more than this fraction of the rows is bad.")
    var maxBadRows: Double = 0.01

    @Option(name: .long, help: "How many bad rows to report in detail.")
    var showErrors: Int = 10

    func validate() throws {
        guard DatasetFormat(rawValue: format) != nil else {
            throw ValidationError("--format expects one of \(DatasetFormat.allCases.map(\.rawValue).joined(separator: ", ")), got '\(format)'")
        }
        guard file != nil || synthetic != nil else { throw ValidationError("give a FILE or --synthetic N") }
        guard file == nil || synthetic == nil else { throw ValidationError("give a FILE or --synthetic N, not both") }
        if let synthetic, synthetic < 1 { throw ValidationError("--synthetic expects a number ≥ 1") }
        guard ["sessions", "click-model"].contains(generator) else { throw ValidationError("--generator expects sessions or click-model, got '\(generator)'") }
        guard (0...1).contains(labelNoise) else { throw ValidationError("--label-noise expects a probability in 0...1") }
        guard (0...1).contains(maxBadRows) else { throw ValidationError("--max-bad-rows expects a fraction in 0...1, got \(maxBadRows)") }
    }

    func run() async throws {
        let lines = try file.map(LineReader.init(path:))
        let client = kafka.clientConfiguration(clientID: "salience-import")
        let logger = Logger(label: "salience.import")
        if toFile == nil { try BrokerCheck.reachable(client, logger: logger) }
        let sink = try RecordSink(path: toFile, kafka: client, logger: logger)
        let retention = toFile == nil ? try RetentionCheck(topic: topic, client: client, logger: logger) : nil
        let interruption = Interruption()
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
        var headerFormats: [DatasetFormat] = []
        var stoppedAtBadRow = false
        if let synthetic {
            let progress = Progress(total: Int64(synthetic), unit: "events")
            let events: AnySequence<BehaviorEvent> = generator == "click-model"
                ? AnySequence(ClickModelStream(configuration: .init(events: synthetic, labelNoise: labelNoise, seed: seed)).lazy.map(\.event))
                : AnySequence(SyntheticEventStream(configuration: .init(seed: seed)).prefix(synthetic))
            for event in events {
                if interruption.requested { break }
                try write(event)
                counts[event.type, default: 0] += 1
                rows += 1
                progress.update(done: Int64(rows), items: rows)
            }
            progress.finish(done: Int64(rows), items: rows)
        } else if var reader = lines, let file {
            let importer = DatasetImporter(format: DatasetFormat(rawValue: format)!)
            let size = (try? FileManager.default.attributesOfItem(atPath: file)[.size] as? Int64) ?? nil
            let progress = Progress(total: size, unit: "rows")
            var number = 0
            while !interruption.requested, let line = reader.next() {
                number += 1
                switch importer.row(line, number: number) {
                case .event(let event):
                    rows += 1
                    try write(event)
                    counts[event.type, default: 0] += 1
                case .header:
                    headerFormats = DatasetFormat.formats(withHeader: line)
                case .skipped:
                    break
                case .failed(let error):
                    rows += 1
                    badRows += 1
                    if badRows <= showErrors { FileHandle.standardError.write(Data("bad row: \(error)\n".utf8)) }
                    if strict {
                        FileHandle.standardError.write(Data("stopping at the first bad row (--strict)\n".utf8))
                        stoppedAtBadRow = true
                    }
                }
                if stoppedAtBadRow { break }
                progress.update(done: reader.bytesRead, items: rows)
            }
            progress.finish(done: reader.bytesRead, items: rows)
        }
        let interrupted = interruption.requested
        let imported = counts.values.reduce(0, +)
        let refusal = interrupted || stoppedAtBadRow ? nil : verdict(imported: imported, rows: rows, badRows: badRows, headerFormats: headerFormats)
        // A file gets its name only when the import is complete and accepted.
        let outcome = try sink.finish(complete: !interrupted && !stoppedAtBadRow && refusal == nil)
        let byType = BehaviorType.allCases.compactMap { type in counts[type].map { "\(type.name) \($0)" } }.joined(separator: ", ")
        let delivery = toFile == nil ? "\(outcome.delivered) delivered, \(outcome.notDelivered) not delivered" : "written to \(outcome.destination)"
        print("\(interrupted ? "interrupted: " : "")imported \(imported) events\(byType.isEmpty ? "" : " (\(byType))") from \(rows) rows; \(badRows) bad rows; \(delivery)")

        if let evicted = retention?.evicted(), evicted > 0 {
            FileHandle.standardError.write(Data((
                "warning: the broker no longer holds the oldest \(evicted) of the events just imported to '\(topic)' (its retention dropped them; "
                    + "librdkafka's embedded broker keeps about 5 MiB per partition): use a topic with more partitions or a broker with more retention\n"
            ).utf8))
        }
        if interrupted { throw ExitCode(Interruption.exitCode) }
        if stoppedAtBadRow { throw ExitCode.failure }
        if let refusal { throw refusal }
        if outcome.notDelivered > 0 {
            throw CommandError("\(outcome.notDelivered) of \(imported) events were not delivered to \(outcome.destination)")
        }
    }

    /// Why a finished import counts as failed: no event, or too many bad rows.
    private func verdict(imported: Int, rows: Int, badRows: Int, headerFormats: [DatasetFormat]) -> CommandError? {
        guard imported > 0 else {
            var reason = rows == 0 ? "the file holds no rows" : "every row was bad"
            if let other = headerFormats.first(where: { $0.rawValue != format }) {
                reason += "; its header is that of --format \(other.rawValue)"
            } else if rows > 0 {
                reason += " for --format \(format)"
            }
            return CommandError("no event imported: \(reason)")
        }
        guard Double(badRows) <= maxBadRows * Double(rows) else {
            return CommandError(String(
                format: "%d of %d rows (%.1f %%) were bad, more than --max-bad-rows %g allows", badRows, rows,
                100 * Double(badRows) / Double(rows), maxBadRows
            ))
        }
        return nil
    }
}
