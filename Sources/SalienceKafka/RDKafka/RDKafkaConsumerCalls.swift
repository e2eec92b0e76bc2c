import CRdKafka
import Logging

/// The consumer's calls into librdkafka, in Swift types: ``KafkaConsumer``
/// calls these and no C function.
extension RDKafkaClient {
    /// Serves the main queue from the consumer queue, so one
    /// ``consumerPoll(timeoutMilliseconds:into:)`` serves both.
    func redirectPollToConsumer() {
        rd_kafka_poll_set_consumer(handle)
    }

    func subscribe(_ topics: [String]) throws {
        let list = RDKafkaTopicPartitionList(topics.map { KafkaTopicPartition(topic: $0, partition: -1) })
        try KafkaError.check(rd_kafka_subscribe(handle, list.list), "subscribe to \(topics)")
    }

    func assign(_ partitions: [KafkaTopicPartitionOffset]) throws {
        let list = RDKafkaTopicPartitionList(partitions)
        try KafkaError.check(rd_kafka_assign(handle, list.list), "assign \(partitions)")
    }

    func assignment() throws -> [KafkaTopicPartition] {
        var list: UnsafeMutablePointer<rd_kafka_topic_partition_list_t>?
        let err = rd_kafka_assignment(handle, &list)
        guard err == RD_KAFKA_RESP_ERR_NO_ERROR, let list else { throw KafkaError.from(err, context: "assignment") }
        defer { rd_kafka_topic_partition_list_destroy(list) }
        return RDKafkaTopicPartitionList.entries(of: list).map(\.topicPartition)
    }

    /// What one consumer poll returned.
    enum Polled {
        /// A message, appended to the batch.
        case message
        /// The end of a partition was reached, at this offset (only with `enable.partition.eof`).
        case partitionEnd(KafkaTopicPartition, offset: Int64)
        /// A consumer error: its librdkafka name and text.
        case error(name: String, text: String)
    }

    /// One message (appended to `batch`), error or end of partition, waiting
    /// up to the timeout; `nil` when none came.
    func consumerPoll(timeoutMilliseconds: Int32, into batch: inout KafkaMessageBatch) -> Polled? {
        guard let message = rd_kafka_consumer_poll(handle, timeoutMilliseconds) else { return nil }
        defer { rd_kafka_message_destroy(message) }
        let err = message.pointee.err
        if err == RD_KAFKA_RESP_ERR_NO_ERROR {
            batch.append(copying: message, topic: message.pointee.rkt.map { topicName($0) } ?? "")
            return .message
        }
        if err == RD_KAFKA_RESP_ERR__PARTITION_EOF {
            let topic = message.pointee.rkt.map { topicName($0) } ?? ""
            return .partitionEnd(KafkaTopicPartition(topic: topic, partition: message.pointee.partition), offset: message.pointee.offset)
        }
        let text = message.pointee.payload.map { String(cString: $0.assumingMemoryBound(to: CChar.self)) } ?? ""
        return .error(name: String(cString: rd_kafka_err2name(err)), text: text)
    }

    /// Commits `offsets`; `waiting` for the coordinator's answer, or queued
    /// (its result then only logged by librdkafka).
    func commit(_ offsets: [KafkaTopicPartitionOffset], waiting: Bool) throws {
        let list = RDKafkaTopicPartitionList(offsets)
        try KafkaError.check(rd_kafka_commit(handle, list.list, waiting ? 0 : 1), "commit \(offsets)")
        if waiting, let error = list.firstError(context: "commit") { throw error }
    }

    func committed(_ partitions: [KafkaTopicPartition], timeout: Duration) throws -> [KafkaTopicPartitionOffset] {
        let list = RDKafkaTopicPartitionList(partitions)
        try KafkaError.check(rd_kafka_committed(handle, list.list, timeout.timeoutMilliseconds), "committed offsets")
        if let error = list.firstError(context: "committed offset of") { throw error }
        return list.entries
    }

    func position(_ partitions: [KafkaTopicPartition]) throws -> [KafkaTopicPartitionOffset] {
        let list = RDKafkaTopicPartitionList(partitions)
        try KafkaError.check(rd_kafka_position(handle, list.list), "position")
        return list.entries
    }

    func seek(_ offsets: [KafkaTopicPartitionOffset], timeout: Duration) throws {
        let list = RDKafkaTopicPartitionList(offsets)
        if let error = rd_kafka_seek_partitions(handle, list.list, timeout.timeoutMilliseconds) {
            throw KafkaError.consuming(error, context: "seek \(offsets)")
        }
        if let error = list.firstError(context: "seek") { throw error }
    }

    /// The watermarks of `partition`, asked of its leader.
    func queryWatermarks(_ partition: KafkaTopicPartition, timeout: Duration) throws -> (low: Int64, high: Int64) {
        var low: Int64 = 0
        var high: Int64 = 0
        let err = rd_kafka_query_watermark_offsets(handle, partition.topic, partition.partition, &low, &high, timeout.timeoutMilliseconds)
        try KafkaError.check(err, "watermarks of \(partition)")
        return (low, high)
    }

    /// The watermarks last seen in fetch responses; `nil` before the first.
    func cachedWatermarks(_ partition: KafkaTopicPartition) -> (low: Int64, high: Int64)? {
        var low: Int64 = -1
        var high: Int64 = -1
        let err = rd_kafka_get_watermark_offsets(handle, partition.topic, partition.partition, &low, &high)
        guard err == RD_KAFKA_RESP_ERR_NO_ERROR, high >= 0 else { return nil }
        return (max(low, 0), high)
    }

    func pause(_ partitions: [KafkaTopicPartition]) throws {
        let list = RDKafkaTopicPartitionList(partitions)
        try KafkaError.check(rd_kafka_pause_partitions(handle, list.list), "pause")
        if let error = list.firstError(context: "pause") { throw error }
    }

    func resume(_ partitions: [KafkaTopicPartition]) throws {
        let list = RDKafkaTopicPartitionList(partitions)
        try KafkaError.check(rd_kafka_resume_partitions(handle, list.list), "resume")
        if let error = list.firstError(context: "resume") { throw error }
    }

    /// The broker's ListOffsets-by-time answer per partition (-1 where it has none).
    func offsets(forTimestamp timestamp: Int64, in partitions: [KafkaTopicPartition], timeout: Duration) throws -> [KafkaTopicPartitionOffset] {
        let list = RDKafkaTopicPartitionList(partitions, offset: timestamp)
        try KafkaError.check(rd_kafka_offsets_for_times(handle, list.list, timeout.timeoutMilliseconds), "offsets for time \(timestamp)")
        if let error = list.firstError(context: "offsets for time in") { throw error }
        return list.entries
    }

    func closeConsumer() throws {
        try KafkaError.check(rd_kafka_consumer_close(handle), "close consumer")
    }
}

/// One rebalance callback, in Swift types: what happened to which
/// partitions, and the (un)assign call that must answer it, made with the
/// protocol the group uses.
struct RDKafkaRebalance {
    enum Event {
        case assigned, revoked
        /// The rebalance failed; the librdkafka error name.
        case failed(String)
    }

    let event: Event
    let partitions: [KafkaTopicPartition]
    private let handle: OpaquePointer
    private let list: UnsafeMutablePointer<rd_kafka_topic_partition_list_t>
    /// NULL when the member is not (or no longer) part of a group, as while
    /// closing after the group was left: then the eager calls apply.
    private var cooperative: Bool { rd_kafka_rebalance_protocol(handle).map { String(cString: $0) } == "COOPERATIVE" }

    init(handle: OpaquePointer, err: rd_kafka_resp_err_t, list: UnsafeMutablePointer<rd_kafka_topic_partition_list_t>) {
        self.handle = handle
        self.list = list
        partitions = RDKafkaTopicPartitionList.entries(of: list).map(\.topicPartition)
        switch err {
        case RD_KAFKA_RESP_ERR__ASSIGN_PARTITIONS: event = .assigned
        case RD_KAFKA_RESP_ERR__REVOKE_PARTITIONS: event = .revoked
        default: event = .failed(String(cString: rd_kafka_err2name(err)))
        }
    }

    /// Takes the assigned partitions, each from its offset in `starts` where
    /// it has one (else from the group's committed offset).
    func assign(startingAt starts: [KafkaTopicPartition: Int64], logger: Logger) {
        for index in 0..<Int(list.pointee.cnt) {
            let element = list.pointee.elems[index]
            let key = KafkaTopicPartition(topic: String(cString: element.topic), partition: element.partition)
            if let start = starts[key] { list.pointee.elems[index].offset = start }
        }
        if cooperative {
            if let error = rd_kafka_incremental_assign(handle, list) {
                logger.error("incremental assign failed", metadata: ["kafka.error": "\(KafkaError.consuming(error, context: "assign"))"])
            }
        } else {
            _ = rd_kafka_assign(handle, list)
        }
    }

    /// Pauses the assigned partitions just taken, before any of their messages is fetched.
    func pause(logger: Logger) {
        let err = rd_kafka_pause_partitions(handle, list)
        if err != RD_KAFKA_RESP_ERR_NO_ERROR {
            logger.error("pausing the assigned partitions failed", metadata: ["kafka.error": "\(KafkaError.from(err, context: "pause assigned"))"])
        }
    }

    /// Gives up the revoked partitions (all of them after a failure).
    func unassign(logger: Logger) {
        if case .revoked = event, cooperative {
            if let error = rd_kafka_incremental_unassign(handle, list) {
                logger.error("incremental unassign failed", metadata: ["kafka.error": "\(KafkaError.consuming(error, context: "unassign"))"])
            }
        } else {
            _ = rd_kafka_assign(handle, nil)
        }
    }
}
