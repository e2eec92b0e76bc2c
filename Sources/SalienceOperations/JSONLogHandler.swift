import Foundation
import Logging
import SalienceCore
import Synchronization

/// Writes each log record as one JSON object on a line:
/// `{"ts":"2026-11-23T15:04:05.123Z","level":"info","label":"salience.run","message":"…", …metadata}`.
/// Metadata keys keep their dotted names (`salience.partition`); nested
/// metadata is written as JSON. For log shippers; `text` is for people.
public struct JSONLogHandler: LogHandler {
    public var metadata: Logger.Metadata = [:]
    public var logLevel: Logger.Level
    public var metadataProvider: Logger.MetadataProvider?
    private let label: String
    private let output: JSONLogOutput

    /// - Parameter output: Where lines go. Default: standard error.
    public init(label: String, level: Logger.Level = .info, output: JSONLogOutput = .standardError) {
        self.label = label
        self.logLevel = level
        self.output = output
    }

    public subscript(metadataKey key: String) -> Logger.Metadata.Value? {
        get { metadata[key] }
        set { metadata[key] = newValue }
    }

    public func log(event: LogEvent) {
        var merged = metadata
        if let provided = metadataProvider?.get() { merged.merge(provided) { _, new in new } }
        if let extra = event.metadata { merged.merge(extra) { _, new in new } }
        var writer = JSONWriter()
        writer.beginObject()
        writer.field("ts", Self.timestamp(Date()))
        writer.field("level", event.level.rawValue)
        writer.field("label", label)
        writer.field("message", event.message.description)
        for (key, value) in merged.sorted(by: { $0.key < $1.key }) where !["ts", "level", "label", "message"].contains(key) {
            writer.field(key, Self.text(value))
        }
        writer.endObject()
        output.write(writer.take() + [UInt8(ascii: "\n")])
    }

    /// A metadata value as text: strings as they are, lists and dictionaries as JSON.
    static func text(_ value: Logger.Metadata.Value) -> String {
        switch value {
        case .string(let string): string
        case .stringConvertible(let convertible): convertible.description
        case .array(let values): "[" + values.map { JSONWriter.quoted(text($0)) }.joined(separator: ",") + "]"
        case .dictionary(let values):
            "{" + values.sorted { $0.key < $1.key }.map { JSONWriter.quoted($0.key) + ":" + JSONWriter.quoted(text($0.value)) }.joined(separator: ",") + "}"
        }
    }

    /// RFC 3339 UTC with milliseconds.
    static func timestamp(_ date: Date) -> String {
        let milliseconds = Int64((date.timeIntervalSince1970 * 1000).rounded(.down))
        var time = time_t(milliseconds / 1000)
        var parts = tm()
        gmtime_r(&time, &parts)
        func pad(_ value: Int32, _ width: Int) -> String {
            let digits = String(value)
            return String(repeating: "0", count: max(0, width - digits.count)) + digits
        }
        return "\(pad(parts.tm_year + 1900, 4))-\(pad(parts.tm_mon + 1, 2))-\(pad(parts.tm_mday, 2))T"
            + "\(pad(parts.tm_hour, 2)):\(pad(parts.tm_min, 2)):\(pad(parts.tm_sec, 2)).\(pad(Int32(milliseconds % 1000), 3))Z"
    }
}

/// A destination for log lines, written whole under a lock so lines from
/// different threads never interleave.
public final class JSONLogOutput: Sendable {
    private let sink: (@Sendable ([UInt8]) -> Void)?
    private let captured = Mutex<[UInt8]>([])
    private let writing = Mutex(())

    private init(_ sink: (@Sendable ([UInt8]) -> Void)?) {
        self.sink = sink
    }

    /// Standard error, unbuffered.
    public static let standardError = JSONLogOutput { bytes in
        bytes.withUnsafeBytes { buffer in
            var offset = 0
            while offset < buffer.count {
                let written = Foundation.write(STDERR_FILENO, buffer.baseAddress! + offset, buffer.count - offset)
                if written <= 0 { return }
                offset += written
            }
        }
    }

    /// Lines kept in memory, for tests.
    public static func memory() -> JSONLogOutput { JSONLogOutput(nil) }

    /// The lines written to a memory output.
    public var lines: [String] {
        captured.withLock { String(decoding: $0, as: UTF8.self) }.split(separator: "\n").map(String.init)
    }

    func write(_ line: [UInt8]) {
        guard let sink else {
            captured.withLock { $0 += line }
            return
        }
        writing.withLock { _ in sink(line) }
    }
}
