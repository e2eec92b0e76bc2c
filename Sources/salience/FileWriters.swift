import ArgumentParser
import Foundation
import Logging
import SalienceKafka

/// Where a command's records go: a file (records framed by the caller) or a
/// Kafka topic. Counts what could not be delivered.
final class RecordSink {
    private let file: DelimitedFileWriter?
    private let producer: KafkaProducer?
    private let failures = Counter()

    /// A file sink when `path` is given, else a producer to `kafka`.
    init(path: String?, kafka: KafkaClientConfiguration, logger: Logger) throws {
        if let path {
            file = try DelimitedFileWriter(path: path)
            producer = nil
        } else {
            file = nil
            producer = try KafkaProducer(configuration: KafkaProducerConfiguration(client: kafka, linger: .milliseconds(20)), logger: logger)
        }
    }

    /// Writes one record: `fileRecord` to a file sink, `message` to a topic sink.
    func write(fileRecord: @autoclosure () -> [UInt8], message: @autoclosure () -> KafkaProducerMessage) throws {
        if let producer {
            try producer.send(message()) { [failures] result in
                if case .failure = result { failures.increment() }
            }
        } else {
            file?.append(fileRecord())
        }
    }

    /// Flushes everything; returns how many records could not be delivered.
    func finish() throws -> Int {
        if let producer {
            try producer.flush(timeout: .seconds(300))
            producer.close(timeout: .seconds(5))
        } else {
            try file?.close()
        }
        return failures.value
    }
}

/// Appends records (already framed) to a file, in 1 MiB writes.
final class DelimitedFileWriter {
    private let handle: FileHandle
    private var pending: [UInt8] = []

    init(path: String) throws {
        guard FileManager.default.createFile(atPath: path, contents: nil), let handle = FileHandle(forWritingAtPath: path) else {
            throw ValidationError("cannot write '\(path)'")
        }
        self.handle = handle
    }

    func append(_ record: [UInt8]) {
        pending += record
        if pending.count > 1 << 20 { flush() }
    }

    func close() throws {
        flush()
        try handle.close()
    }

    private func flush() {
        handle.write(Data(pending))
        pending.removeAll(keepingCapacity: true)
    }
}
