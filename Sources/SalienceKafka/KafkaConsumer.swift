import Logging
import Synchronization

/// A Kafka consumer: a group member with rebalance notifications, or a reader
/// of partitions assigned by hand.
///
/// ``poll(maxMessages:timeout:)`` blocks inside librdkafka and must be called
/// from one thread at a time (run it on a thread of its own, not on Swift's
/// shared executor); the other methods may be called from any thread.
public final class KafkaConsumer: Sendable {
    let client: RDKafkaClient
    /// The settings the consumer was made with.
    public let configuration: KafkaConsumerConfiguration
    let logger: Logger
    private let closed = Mutex(false)
    private let revocations: Revocations

    /// Creates a consumer.
    ///
    /// - Parameters:
    ///   - configuration: the consumer's settings.
    ///   - rebalanceHandler: told of assignments and revocations when subscribed.
    ///   - logger: receives librdkafka's log lines and the consumer's own.
    /// - Throws: ``KafkaError`` naming the first property librdkafka rejects.
    public init(
        configuration: KafkaConsumerConfiguration,
        rebalanceHandler: KafkaRebalanceHandler? = nil,
        logger: Logger
    ) throws {
        let revocations = Revocations()
        let context = RDKafkaClientContext(logger: logger, rebalance: rebalanceHandler.map { handler in
            { @Sendable rebalance in
                Self.serve(rebalance, handler: handler, revocations: revocations, logger: logger)
            }
        })
        self.revocations = revocations
        client = try RDKafkaClient(kind: .consumer, properties: configuration.librdkafkaProperties, context: context)
        self.configuration = configuration
        self.logger = logger
        client.redirectPollToConsumer()
    }

    /// Joins the group as a member consuming `topics`.
    public func subscribe(topics: [String]) throws {
        try client.subscribe(topics)
    }

    /// Reads exactly these partitions from these offsets, outside any group rebalancing.
    public func assign(_ partitions: [KafkaTopicPartitionOffset]) throws {
        try client.assign(partitions)
    }

    /// The partitions currently assigned.
    public func assignment() throws -> [KafkaTopicPartition] {
        try client.assignment().sorted()
    }

    /// Waits up to `timeout` for the first message, then takes whatever else is
    /// already fetched, up to `maxMessages`. Rebalance notifications run inside
    /// this call; messages it had taken from a partition before that partition
    /// was revoked are dropped from the batch — whoever owns the partition next
    /// starts from where the revocation left it, so they are read again then,
    /// and handling them after the revocation would apply them to the wrong state.
    /// Returns an empty batch on timeout.
    ///
    /// - Throws: ``KafkaError`` when the consumer is closed or has a fatal error.
    public func poll(maxMessages: Int, timeout: Duration) throws -> [KafkaConsumerMessage] {
        var ends: [KafkaTopicPartition: Int64] = [:]
        return try poll(maxMessages: maxMessages, timeout: timeout, partitionEnds: &ends)
    }

    /// ``poll(maxMessages:timeout:)``, also noting in `partitionEnds` each
    /// partition whose end the consumer reached and the offset it ended at
    /// (with ``KafkaConsumerConfiguration/reportEndOfPartition``): the true
    /// end even where a broker reports a high watermark short of it.
    public func poll(maxMessages: Int, timeout: Duration, partitionEnds: inout [KafkaTopicPartition: Int64]) throws -> [KafkaConsumerMessage] {
        var batch = KafkaMessageBatch()
        try poll(into: &batch, maxMessages: maxMessages, timeout: timeout, partitionEnds: &partitionEnds)
        return batch.messages.map { batch.consumerMessage($0) }
    }

    /// ``poll(into:maxMessages:timeout:partitionEnds:)`` without noting partition ends.
    public func poll(into batch: inout KafkaMessageBatch, maxMessages: Int, timeout: Duration) throws {
        var ends: [KafkaTopicPartition: Int64] = [:]
        try poll(into: &batch, maxMessages: maxMessages, timeout: timeout, partitionEnds: &ends)
    }

    /// ``poll(maxMessages:timeout:partitionEnds:)`` into a batch the caller
    /// keeps: emptied, then filled, reusing its buffers, so a loop polling
    /// into one batch allocates nothing per message.
    public func poll(
        into batch: inout KafkaMessageBatch, maxMessages: Int, timeout: Duration,
        partitionEnds: inout [KafkaTopicPartition: Int64]
    ) throws {
        if closed.withLock({ $0 }) {
            throw KafkaError(code: .destroyed, name: "_DESTROY", message: "poll on a closed consumer", severity: .permanent)
        }
        batch.removeAll()
        var wait = timeout.timeoutMilliseconds
        revocations.clear()
        while batch.count < maxMessages, let polled = client.consumerPoll(timeoutMilliseconds: wait, into: &batch) {
            wait = 0
            revocations.drop(from: &batch)
            switch polled {
            case .message:
                break
            case .partitionEnd(let partition, let offset):
                partitionEnds[partition] = offset
            case .error(let name, let text):
                if let fatal = client.fatalError() { throw fatal }
                logger.warning("consumer error", metadata: ["kafka.error": "\(name)", "kafka.message": "\(text)"])
            }
        }
        revocations.drop(from: &batch)
    }

    /// Commits the offsets (the next offset to read, per partition) and waits
    /// for the coordinator's answer.
    public func commit(_ offsets: [KafkaTopicPartitionOffset]) throws {
        try client.commit(offsets, waiting: true)
    }

    /// Queues a commit of the offsets without waiting for the coordinator:
    /// for offsets that are a fallback, where a lost commit costs a longer
    /// replay and nothing else. A later commit supersedes it.
    public func commitInBackground(_ offsets: [KafkaTopicPartitionOffset]) throws {
        try client.commit(offsets, waiting: false)
    }

    /// The group's committed offsets for `partitions` (``KafkaOffset/invalid`` where none).
    public func committed(_ partitions: [KafkaTopicPartition], timeout: Duration) throws -> [KafkaTopicPartitionOffset] {
        try client.committed(partitions, timeout: timeout)
    }

    /// The next offset this consumer will return per partition (``KafkaOffset/invalid`` before the first message).
    public func position(_ partitions: [KafkaTopicPartition]) throws -> [KafkaTopicPartitionOffset] {
        try client.position(partitions)
    }

    /// Moves assigned partitions to new offsets.
    public func seek(_ offsets: [KafkaTopicPartitionOffset], timeout: Duration) throws {
        try client.seek(offsets, timeout: timeout)
    }

    /// The oldest and next-to-be-written offsets of a partition, asked of its leader.
    public func watermarks(of partition: KafkaTopicPartition, timeout: Duration) throws -> (low: Int64, high: Int64) {
        try client.queryWatermarks(partition, timeout: timeout)
    }

    /// The watermarks librdkafka last saw in fetch responses, without asking
    /// the broker; `nil` until a fetch of the partition has returned.
    public func cachedWatermarks(of partition: KafkaTopicPartition) -> (low: Int64, high: Int64)? {
        client.cachedWatermarks(partition)
    }

    /// Stops fetching from the partitions until ``resume(_:)``.
    public func pause(_ partitions: [KafkaTopicPartition]) throws {
        try client.pause(partitions)
    }

    /// Fetches again from paused partitions.
    public func resume(_ partitions: [KafkaTopicPartition]) throws {
        try client.resume(partitions)
    }

    /// Leaves the group cleanly (the revocation handler runs for the current
    /// assignment) and stops fetching. Idempotent.
    public func close() throws {
        let wasClosed = closed.withLock { state in
            defer { state = true }
            return state
        }
        guard !wasClosed else { return }
        try client.closeConsumer()
    }

    /// Serves one rebalance callback: tells the handler, then (un)assigns.
    private static func serve(
        _ rebalance: RDKafkaRebalance, handler: KafkaRebalanceHandler, revocations: Revocations, logger: Logger
    ) {
        let partitions = rebalance.partitions
        switch rebalance.event {
        case .assigned:
            logger.info("partitions assigned", metadata: ["kafka.partitions": "\(partitions)"])
            let starts = Dictionary(handler.assigned(partitions).map { ($0.topicPartition, $0.offset) }, uniquingKeysWith: { _, last in last })
            rebalance.assign(startingAt: starts, logger: logger)
            if handler.pausesAssigned { rebalance.pause(logger: logger) }
        case .revoked:
            logger.info("partitions revoked", metadata: ["kafka.partitions": "\(partitions)"])
            revocations.record(partitions)
            handler.revoked(partitions)
            rebalance.unassign(logger: logger)
        case .failed(let name):
            logger.error("rebalance failed", metadata: ["kafka.error": "\(name)"])
            revocations.recordAll()
            rebalance.unassign(logger: logger)
        }
    }
}

/// The partitions revoked during the current ``KafkaConsumer/poll(maxMessages:timeout:)``.
/// Rebalance callbacks run inside librdkafka's poll, on the polling thread,
/// so only that thread touches it.
private final class Revocations: @unchecked Sendable {
    private var partitions: Set<KafkaTopicPartition> = []
    private var everything = false

    func record(_ revoked: [KafkaTopicPartition]) { partitions.formUnion(revoked) }

    func recordAll() { everything = true }

    func clear() {
        partitions.removeAll(keepingCapacity: true)
        everything = false
    }

    /// Removes the messages of revoked partitions, then forgets the revocations.
    func drop(from batch: inout KafkaMessageBatch) {
        guard everything || !partitions.isEmpty else { return }
        if everything {
            batch.removeAll()
        } else {
            batch.removeMessages { partitions.contains($0) }
        }
        clear()
    }
}
