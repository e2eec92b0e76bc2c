import Foundation
import Logging
import Synchronization

/// A Kafka producer. Idempotent by default; transactional when the
/// configuration has a transactional id.
///
/// Delivery reports are served by a thread of the producer's own that blocks
/// in librdkafka; each reaches the callback given to ``send(_:onDelivery:)``.
/// Do not send from inside a delivery callback: a full queue would wait for
/// the thread that is running the callback.
public final class KafkaProducer: Sendable {
    /// The result of one message: where it was written, or why it was not.
    public typealias DeliveryResult = Result<KafkaDeliveryReceipt, KafkaError>

    private let client: RDKafkaClient
    private let deliveries: DeliveryWindow
    private let pollLoop: RDKafkaPollLoop
    private let closed = Mutex(false)

    /// The settings the producer was made with.
    public let configuration: KafkaProducerConfiguration

    /// Creates a producer and starts its delivery thread.
    ///
    /// - Throws: ``KafkaError`` naming the first property librdkafka rejects.
    public init(configuration: KafkaProducerConfiguration, logger: Logger) throws {
        // librdkafka holds at most queueCapacity messages; the window allows as many outstanding.
        let deliveries = DeliveryWindow(capacity: configuration.queueCapacity)
        client = try RDKafkaClient(
            kind: .producer,
            properties: configuration.librdkafkaProperties,
            context: RDKafkaClientContext(logger: logger, deliveries: deliveries)
        ) { conf in
            RDKafkaClient.reportDeliveries(conf)
        }
        self.configuration = configuration
        self.deliveries = deliveries
        pollLoop = RDKafkaPollLoop(client: client, name: "salience.producer.poll")
    }

    deinit {
        pollLoop.stop()
    }

    /// Hands a message to librdkafka. `onDelivery` runs once, on the producer's
    /// thread, when the broker has acknowledged it or it has failed for good.
    ///
    /// When the local queue is full this call waits for room; it never drops.
    public func send(_ message: KafkaProducerMessage, onDelivery: @escaping @Sendable (DeliveryResult) -> Void) throws {
        try send(message, reportingTo: ClosureDeliveryHandler(onDelivery))
    }

    /// Hands a message to librdkafka; `handler` gets its delivery report with
    /// `tag`, once, on the producer's thread. The same as
    /// ``send(_:onDelivery:)`` without a closure per message: one handler
    /// object may serve many messages, telling them apart by their tags, and
    /// the send allocates nothing of its own.
    ///
    /// When the local queue is full this call waits for room; it never drops.
    public func send(_ message: KafkaProducerMessage, tag: Int64 = 0, reportingTo handler: KafkaDeliveryHandler) throws {
        let sequence: UInt64
        while true {
            if let opened = deliveries.open(handler, tag: tag) {
                sequence = opened
                break
            }
            // Full: the oldest outstanding message is `capacity` behind; its report frees the window.
            Thread.sleep(forTimeInterval: 0.0005)
        }
        do {
            try client.produce(message, sequence: sequence)
        } catch {
            deliveries.cancel(sequence)
            throw error
        }
    }

    /// Sends a message and waits for its delivery report.
    public func send(_ message: KafkaProducerMessage) async throws -> KafkaDeliveryReceipt {
        try await withCheckedThrowingContinuation { continuation in
            do {
                try send(message) { continuation.resume(with: $0) }
            } catch {
                continuation.resume(throwing: error)
            }
        }
    }

    /// Messages handed over but not yet reported.
    public var outstandingMessages: Int {
        client.outstandingMessages
    }

    /// Messages sent so far, numbered from 0 in send order: the number the
    /// next message takes.
    public var sentMessages: UInt64 { deliveries.sent }

    /// Every message numbered below this has its delivery report (delivered
    /// or failed), its handler already run: a caller that noted
    /// ``sentMessages`` at some point knows everything it sent before is
    /// reported once this passes that number, without a flush.
    public var reportedThrough: UInt64 { deliveries.reportedThrough }

    /// Waits until every message sent so far has its delivery report.
    ///
    /// - Throws: ``KafkaError/Code/timedOut`` if some are still outstanding after `timeout`.
    public func flush(timeout: Duration) throws {
        try client.flush(timeoutMilliseconds: timeout.timeoutMilliseconds, context: "flush (\(self.outstandingMessages) messages outstanding)")
    }

    /// Flushes for up to `timeout`, fails whatever is still outstanding (each
    /// callback gets its error), and stops the delivery thread. Idempotent.
    public func close(timeout: Duration) {
        let wasClosed = closed.withLock { state in
            defer { state = true }
            return state
        }
        guard !wasClosed else { return }
        if (try? flush(timeout: timeout)) == nil {
            client.purgeAll()
            try? client.flush(timeoutMilliseconds: 1000, context: "flush after purge")
        }
        pollLoop.stop()
    }

    // MARK: Transactions

    /// Registers the transactional id with the cluster, fencing older producers with it.
    public func initTransactions(timeout: Duration) throws {
        try client.initTransactions(timeout: timeout)
    }

    /// Starts a transaction; messages sent until commit or abort belong to it.
    public func beginTransaction() throws {
        try client.beginTransaction()
    }

    /// Adds the consumer's offsets (next offsets to read) to the transaction,
    /// so they commit or abort with its messages.
    public func sendOffsetsToTransaction(
        _ offsets: [KafkaTopicPartitionOffset],
        consumer: KafkaConsumer,
        timeout: Duration
    ) throws {
        try client.sendOffsetsToTransaction(offsets, consumer: consumer.client, timeout: timeout)
    }

    /// Flushes and commits the transaction.
    public func commitTransaction(timeout: Duration) throws {
        try client.commitTransaction(timeout: timeout)
    }

    /// Aborts the transaction; its messages are purged or marked aborted.
    public func abortTransaction(timeout: Duration) throws {
        try client.abortTransaction(timeout: timeout)
    }
}

/// Receives delivery reports of messages sent with
/// ``KafkaProducer/send(_:tag:reportingTo:)``; the producer holds it for each
/// message until the message's report.
///
/// Subclasses override ``delivered(_:tag:)``, which runs on the producer's
/// thread: whatever they store must be safe to read there.
open class KafkaDeliveryHandler: @unchecked Sendable {
    public init() {}

    /// The report of one message sent with this handler and `tag`.
    open func delivered(_ result: KafkaProducer.DeliveryResult, tag: Int64) {}
}

/// A closure per message, for ``KafkaProducer/send(_:onDelivery:)``.
private final class ClosureDeliveryHandler: KafkaDeliveryHandler, @unchecked Sendable {
    private let deliver: @Sendable (KafkaProducer.DeliveryResult) -> Void

    init(_ deliver: @escaping @Sendable (KafkaProducer.DeliveryResult) -> Void) { self.deliver = deliver }

    override func delivered(_ result: KafkaProducer.DeliveryResult, tag: Int64) { deliver(result) }
}
