import Foundation
import Logging
import SalienceKafka

/// Where a command's records go: a file (records framed by the caller) or a
/// Kafka topic. Counts what could not be delivered.
final class RecordSink {
    private let file: DelimitedFileWriter?
    private let producer: KafkaProducer?
    private let delivered = Counter()
    private var sent = 0
    private let bootstrap: String

    /// A file sink when `path` is given, else a producer to `kafka` (the
    /// command has checked with ``BrokerCheck`` that a broker answers).
    init(path: String?, kafka: KafkaClientConfiguration, logger: Logger) throws {
        bootstrap = kafka.bootstrapServers.joined(separator: ",")
        if let path {
            file = try DelimitedFileWriter(path: path)
            producer = nil
        } else {
            file = nil
            var configuration = KafkaProducerConfiguration(client: kafka, linger: .milliseconds(20))
            // A broker lost after the check fails the records within a minute rather than five.
            configuration.client.properties["message.timeout.ms"] = configuration.client.properties["message.timeout.ms"] ?? "60000"
            producer = try KafkaProducer(configuration: configuration, logger: logger)
        }
    }

    /// Writes one record: `fileRecord` to a file sink, `message` to a topic sink.
    func write(fileRecord: @autoclosure () -> [UInt8], message: @autoclosure () -> KafkaProducerMessage) throws {
        sent += 1
        if let producer {
            try producer.send(message()) { [delivered] result in
                if case .success = result { delivered.increment() }
            }
        } else {
            file?.append(fileRecord())
        }
    }

    /// What became of the records written.
    struct Outcome {
        /// Records written to the file, or acknowledged by the broker.
        var delivered: Int
        /// Records the broker refused, or that were still unacknowledged when the flush gave up.
        var notDelivered: Int
        /// Where they went: the file (or its `.partial` name) or the brokers.
        var destination: String
    }

    /// Flushes everything. With `complete` a file gets its final name; without
    /// (interrupted), it keeps its `.partial` name so it cannot pass for a whole output.
    func finish(complete: Bool = true) throws -> Outcome {
        if let producer {
            // Waits for acknowledgements; what is still unacknowledged at the end counts as not delivered.
            try? producer.flush(timeout: .seconds(90))
            producer.close(timeout: .seconds(5))
            return Outcome(delivered: delivered.value, notDelivered: sent - delivered.value, destination: "the brokers at \(bootstrap)")
        }
        guard let file else { return Outcome(delivered: 0, notDelivered: 0, destination: "") }
        let destination = try file.close(complete: complete)
        return Outcome(delivered: sent, notDelivered: 0, destination: destination)
    }
}

/// Appends records (already framed) to a file, in 1 MiB writes. The file is
/// written as `<path>.partial` and renamed to `path` only when complete.
final class DelimitedFileWriter {
    private let handle: FileHandle
    private let path: String
    private let partialPath: String
    private var pending: [UInt8] = []

    /// - Throws: ``CommandError`` naming the path and the reason.
    init(path: String) throws {
        self.path = path
        partialPath = path + ".partial"
        let descriptor = open(partialPath, O_WRONLY | O_CREAT | O_TRUNC, 0o644)
        guard descriptor >= 0 else {
            throw CommandError("cannot write \(path): \(String(cString: strerror(errno)).lowercased())")
        }
        handle = FileHandle(fileDescriptor: descriptor, closeOnDealloc: true)
    }

    func append(_ record: [UInt8]) {
        pending += record
        if pending.count > 1 << 20 { flush() }
    }

    /// Writes what is pending and closes; returns the name the file now has.
    func close(complete: Bool) throws -> String {
        flush()
        do {
            try handle.synchronize()
            try handle.close()
        } catch {
            throw CommandError("cannot write \(partialPath): \(CommandError.sentence(for: error as NSError))")
        }
        guard complete else { return partialPath }
        guard rename(partialPath, path) == 0 else {
            throw CommandError("cannot rename \(partialPath) to \(path): \(String(cString: strerror(errno)).lowercased())")
        }
        return path
    }

    private func flush() {
        handle.write(Data(pending))
        pending.removeAll(keepingCapacity: true)
    }
}

/// Whether a Kafka cluster answers, reported as one sentence naming the address.
enum BrokerCheck {
    /// Asks for the cluster's metadata; throws a ``CommandError`` when no broker answers within `timeout`.
    static func reachable(_ kafka: KafkaClientConfiguration, timeout: Duration = .seconds(10), logger: Logger) throws {
        var quiet = logger
        quiet.logLevel = .critical
        do {
            _ = try KafkaAdmin(configuration: kafka, logger: quiet).listTopics(timeout: timeout)
        } catch let error as KafkaError {
            throw CommandError(
                "cannot reach a Kafka broker at \(kafka.bootstrapServers.joined(separator: ",")) within \(timeout.components.seconds) s (\(error.message)); check --bootstrap (kafka.bootstrap_servers) and that the broker is running"
            )
        }
    }
}
