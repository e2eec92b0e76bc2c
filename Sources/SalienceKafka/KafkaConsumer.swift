import CRdKafka
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
    private let logger: Logger
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
            { @Sendable handle, err, partitions in
                Self.rebalance(handle, err, partitions, handler: handler, revocations: revocations, logger: logger)
            }
        })
        self.revocations = revocations
        client = try RDKafkaClient(kind: .consumer, properties: configuration.librdkafkaProperties, context: context)
        self.configuration = configuration
        self.logger = logger
        rd_kafka_poll_set_consumer(client.handle)
    }

    /// Joins the group as a member consuming `topics`.
    public func subscribe(topics: [String]) throws {
        let list = RDKafkaTopicPartitionList(topics.map { KafkaTopicPartition(topic: $0, partition: -1) })
        let err = rd_kafka_subscribe(client.handle, list.list)
        guard err == RD_KAFKA_RESP_ERR_NO_ERROR else { throw KafkaError.from(err, context: "subscribe to \(topics)") }
    }

    /// Reads exactly these partitions from these offsets, outside any group rebalancing.
    public func assign(_ partitions: [KafkaTopicPartitionOffset]) throws {
        let list = RDKafkaTopicPartitionList(partitions)
        let err = rd_kafka_assign(client.handle, list.list)
        guard err == RD_KAFKA_RESP_ERR_NO_ERROR else { throw KafkaError.from(err, context: "assign \(partitions)") }
    }

    /// The partitions currently assigned.
    public func assignment() throws -> [KafkaTopicPartition] {
        var list: UnsafeMutablePointer<rd_kafka_topic_partition_list_t>?
        let err = rd_kafka_assignment(client.handle, &list)
        guard err == RD_KAFKA_RESP_ERR_NO_ERROR, let list else { throw KafkaError.from(err, context: "assignment") }
        defer { rd_kafka_topic_partition_list_destroy(list) }
        return RDKafkaTopicPartitionList.entries(of: list).map(\.topicPartition).sorted()
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
        if closed.withLock({ $0 }) {
            throw KafkaError(code: .destroyed, name: "_DESTROY", message: "poll on a closed consumer", severity: .permanent)
        }
        var messages: [KafkaConsumerMessage] = []
        var topicNames: [OpaquePointer: String] = [:]
        var wait = timeout.timeoutMilliseconds
        revocations.clear()
        while messages.count < maxMessages, let message = rd_kafka_consumer_poll(client.handle, wait) {
            defer { rd_kafka_message_destroy(message) }
            wait = 0
            revocations.drop(from: &messages)
            let err = message.pointee.err
            if err == RD_KAFKA_RESP_ERR_NO_ERROR {
                messages.append(KafkaConsumerMessage(copying: message, topicNames: &topicNames))
            } else if err != RD_KAFKA_RESP_ERR__PARTITION_EOF {
                if let fatal = client.fatalError() { throw fatal }
                let text = message.pointee.payload.map { String(cString: $0.assumingMemoryBound(to: CChar.self)) } ?? ""
                logger.warning("consumer error", metadata: [
                    "kafka.error": "\(String(cString: rd_kafka_err2name(err)))",
                    "kafka.message": "\(text)",
                ])
            }
        }
        revocations.drop(from: &messages)
        return messages
    }

    /// Commits the offsets (the next offset to read, per partition) and waits
    /// for the coordinator's answer.
    public func commit(_ offsets: [KafkaTopicPartitionOffset]) throws {
        let list = RDKafkaTopicPartitionList(offsets)
        let err = rd_kafka_commit(client.handle, list.list, 0)
        guard err == RD_KAFKA_RESP_ERR_NO_ERROR else { throw KafkaError.from(err, context: "commit \(offsets)") }
        if let error = list.firstError(context: "commit") { throw error }
    }

    /// The group's committed offsets for `partitions` (``KafkaOffset/invalid`` where none).
    public func committed(_ partitions: [KafkaTopicPartition], timeout: Duration) throws -> [KafkaTopicPartitionOffset] {
        let list = RDKafkaTopicPartitionList(partitions)
        let err = rd_kafka_committed(client.handle, list.list, timeout.timeoutMilliseconds)
        guard err == RD_KAFKA_RESP_ERR_NO_ERROR else { throw KafkaError.from(err, context: "committed offsets") }
        if let error = list.firstError(context: "committed offset of") { throw error }
        return list.entries
    }

    /// The next offset this consumer will return per partition (``KafkaOffset/invalid`` before the first message).
    public func position(_ partitions: [KafkaTopicPartition]) throws -> [KafkaTopicPartitionOffset] {
        let list = RDKafkaTopicPartitionList(partitions)
        let err = rd_kafka_position(client.handle, list.list)
        guard err == RD_KAFKA_RESP_ERR_NO_ERROR else { throw KafkaError.from(err, context: "position") }
        return list.entries
    }

    /// Moves assigned partitions to new offsets.
    public func seek(_ offsets: [KafkaTopicPartitionOffset], timeout: Duration) throws {
        let list = RDKafkaTopicPartitionList(offsets)
        if let error = rd_kafka_seek_partitions(client.handle, list.list, timeout.timeoutMilliseconds) {
            throw KafkaError.consuming(error, context: "seek \(offsets)")
        }
        if let error = list.firstError(context: "seek") { throw error }
    }

    /// The oldest and next-to-be-written offsets of a partition, asked of its leader.
    public func watermarks(of partition: KafkaTopicPartition, timeout: Duration) throws -> (low: Int64, high: Int64) {
        var low: Int64 = 0
        var high: Int64 = 0
        let err = rd_kafka_query_watermark_offsets(
            client.handle, partition.topic, partition.partition, &low, &high, timeout.timeoutMilliseconds
        )
        guard err == RD_KAFKA_RESP_ERR_NO_ERROR else { throw KafkaError.from(err, context: "watermarks of \(partition)") }
        return (low, high)
    }

    /// The watermarks librdkafka last saw in fetch responses, without asking
    /// the broker; `nil` until a fetch of the partition has returned.
    public func cachedWatermarks(of partition: KafkaTopicPartition) -> (low: Int64, high: Int64)? {
        var low: Int64 = -1
        var high: Int64 = -1
        let err = rd_kafka_get_watermark_offsets(client.handle, partition.topic, partition.partition, &low, &high)
        guard err == RD_KAFKA_RESP_ERR_NO_ERROR, high >= 0 else { return nil }
        return (max(low, 0), high)
    }

    /// Stops fetching from the partitions until ``resume(_:)``.
    public func pause(_ partitions: [KafkaTopicPartition]) throws {
        let list = RDKafkaTopicPartitionList(partitions)
        let err = rd_kafka_pause_partitions(client.handle, list.list)
        guard err == RD_KAFKA_RESP_ERR_NO_ERROR else { throw KafkaError.from(err, context: "pause") }
        if let error = list.firstError(context: "pause") { throw error }
    }

    /// Fetches again from paused partitions.
    public func resume(_ partitions: [KafkaTopicPartition]) throws {
        let list = RDKafkaTopicPartitionList(partitions)
        let err = rd_kafka_resume_partitions(client.handle, list.list)
        guard err == RD_KAFKA_RESP_ERR_NO_ERROR else { throw KafkaError.from(err, context: "resume") }
        if let error = list.firstError(context: "resume") { throw error }
    }

    /// Leaves the group cleanly (the revocation handler runs for the current
    /// assignment) and stops fetching. Idempotent.
    public func close() throws {
        let wasClosed = closed.withLock { state in
            defer { state = true }
            return state
        }
        guard !wasClosed else { return }
        let err = rd_kafka_consumer_close(client.handle)
        guard err == RD_KAFKA_RESP_ERR_NO_ERROR else { throw KafkaError.from(err, context: "close consumer") }
    }

    /// Serves one rebalance callback: tells the handler, then (un)assigns with
    /// the protocol the group uses.
    private static func rebalance(
        _ handle: OpaquePointer,
        _ err: rd_kafka_resp_err_t,
        _ partitions: UnsafeMutablePointer<rd_kafka_topic_partition_list_t>,
        handler: KafkaRebalanceHandler,
        revocations: Revocations,
        logger: Logger
    ) {
        // NULL when the member is not (or no longer) part of a group, as while
        // closing after the group was left: then the eager calls apply.
        let cooperative = rd_kafka_rebalance_protocol(handle).map { String(cString: $0) } == "COOPERATIVE"
        let topicPartitions = RDKafkaTopicPartitionList.entries(of: partitions).map(\.topicPartition)
        switch err {
        case RD_KAFKA_RESP_ERR__ASSIGN_PARTITIONS:
            logger.info("partitions assigned", metadata: ["kafka.partitions": "\(topicPartitions)"])
            let starts = Dictionary(
                handler.assigned(topicPartitions).map { ($0.topicPartition, $0.offset) },
                uniquingKeysWith: { _, last in last }
            )
            for index in 0..<Int(partitions.pointee.cnt) {
                let element = partitions.pointee.elems[index]
                let key = KafkaTopicPartition(topic: String(cString: element.topic), partition: element.partition)
                if let start = starts[key] { partitions.pointee.elems[index].offset = start }
            }
            if cooperative {
                if let error = rd_kafka_incremental_assign(handle, partitions) {
                    logger.error("incremental assign failed", metadata: ["kafka.error": "\(KafkaError.consuming(error, context: "assign"))"])
                }
            } else {
                _ = rd_kafka_assign(handle, partitions)
            }
        case RD_KAFKA_RESP_ERR__REVOKE_PARTITIONS:
            logger.info("partitions revoked", metadata: ["kafka.partitions": "\(topicPartitions)"])
            revocations.record(topicPartitions)
            handler.revoked(topicPartitions)
            if cooperative {
                if let error = rd_kafka_incremental_unassign(handle, partitions) {
                    logger.error("incremental unassign failed", metadata: ["kafka.error": "\(KafkaError.consuming(error, context: "unassign"))"])
                }
            } else {
                _ = rd_kafka_assign(handle, nil)
            }
        default:
            logger.error("rebalance failed", metadata: ["kafka.error": "\(String(cString: rd_kafka_err2name(err)))"])
            revocations.recordAll()
            _ = rd_kafka_assign(handle, nil)
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
    func drop(from messages: inout [KafkaConsumerMessage]) {
        guard everything || !partitions.isEmpty else { return }
        if everything {
            messages.removeAll()
        } else {
            messages.removeAll { partitions.contains($0.topicPartition) }
        }
        clear()
    }
}
