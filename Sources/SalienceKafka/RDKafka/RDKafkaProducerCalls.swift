import CRdKafka

/// The producer's calls into librdkafka, in Swift types: ``KafkaProducer``
/// calls these and no C function.
extension RDKafkaClient {
    /// Sets the delivery report callback on a configuration before the
    /// handle exists: each message's opaque is its sequence number in the
    /// context's ``DeliveryWindow`` (plus one, never null), whose slot holds
    /// its handler and tag until the report.
    static func reportDeliveries(_ conf: OpaquePointer) {
        rd_kafka_conf_set_dr_msg_cb(conf) { _, message, opaque in
            guard let message, let opaque, let bits = message.pointee._private else { return }
            let context = Unmanaged<RDKafkaClientContext>.fromOpaque(opaque).takeUnretainedValue()
            guard let window = context.deliveries else { return }
            let sequence = UInt64(UInt(bitPattern: bits)) - 1
            let (handler, tag) = window.take(sequence)
            let err = message.pointee.err
            if err == RD_KAFKA_RESP_ERR_NO_ERROR {
                handler?.delivered(.success(KafkaDeliveryReceipt(
                    topic: message.pointee.rkt.map { context.topicName($0) } ?? "",
                    partition: message.pointee.partition,
                    offset: message.pointee.offset,
                    timestamp: KafkaTimestamp(of: message)
                )), tag: tag)
            } else {
                handler?.delivered(.failure(KafkaError.from(err, context: "delivery")), tag: tag)
            }
            window.reported(sequence)
        }
    }

    /// Hands `message` to librdkafka (copied; waits while the queue is full)
    /// as message `sequence` of the delivery window, whose handler gets its report.
    func produce(_ message: KafkaProducerMessage, sequence: UInt64) throws {
        let headers = message.headers.makeRDKafkaHeaders()
        // withCString, not the implicit conversion: that makes a new array per call.
        let err = message.topic.withCString { topic in
            (message.key ?? []).withUnsafeBytes { key in
                message.value.withUnsafeBytes { value in
                    salience_produce(
                        handle, topic, message.partition ?? -1,
                        message.key == nil ? nil : key.baseAddress, key.count,
                        message.isTombstone ? nil : value.baseAddress, message.isTombstone ? 0 : value.count,
                        headers, message.timestampMilliseconds ?? 0,
                        RD_KAFKA_MSG_F_COPY | RD_KAFKA_MSG_F_BLOCK,
                        UnsafeMutableRawPointer(bitPattern: UInt(sequence + 1))
                    )
                }
            }
        }
        guard err == RD_KAFKA_RESP_ERR_NO_ERROR else {
            if let headers { rd_kafka_headers_destroy(headers) }
            throw fatalError() ?? KafkaError.from(err, context: "send to \(message.topic)")
        }
    }

    /// Messages in the producer's queues, in flight or waiting for their report.
    var outstandingMessages: Int { Int(rd_kafka_outq_len(handle)) }

    /// Waits up to `timeout` for every report.
    ///
    /// - Throws: ``KafkaError`` (timed out) naming `context` if some are still outstanding.
    func flush(timeoutMilliseconds: Int32, context: @autoclosure () -> String) throws {
        try KafkaError.check(rd_kafka_flush(handle, timeoutMilliseconds), context())
    }

    /// Fails every queued and in-flight message (each report says so).
    func purgeAll() {
        rd_kafka_purge(handle, Int32(RD_KAFKA_PURGE_F_QUEUE | RD_KAFKA_PURGE_F_INFLIGHT))
    }

    func initTransactions(timeout: Duration) throws {
        if let error = rd_kafka_init_transactions(handle, timeout.timeoutMilliseconds) {
            throw KafkaError.consuming(error, context: "init transactions")
        }
    }

    func beginTransaction() throws {
        if let error = rd_kafka_begin_transaction(handle) {
            throw KafkaError.consuming(error, context: "begin transaction")
        }
    }

    /// Adds `offsets` of the group `consumer` belongs to to the open transaction.
    func sendOffsetsToTransaction(_ offsets: [KafkaTopicPartitionOffset], consumer: RDKafkaClient, timeout: Duration) throws {
        guard let metadata = rd_kafka_consumer_group_metadata(consumer.handle) else {
            throw KafkaError(code: .invalidConfiguration, name: "NO_GROUP",
                             message: "send offsets to transaction: the consumer has no group", severity: .permanent)
        }
        defer { rd_kafka_consumer_group_metadata_destroy(metadata) }
        let list = RDKafkaTopicPartitionList(offsets)
        if let error = rd_kafka_send_offsets_to_transaction(handle, list.list, metadata, timeout.timeoutMilliseconds) {
            throw KafkaError.consuming(error, context: "send offsets to transaction")
        }
    }

    func commitTransaction(timeout: Duration) throws {
        if let error = rd_kafka_commit_transaction(handle, timeout.timeoutMilliseconds) {
            throw KafkaError.consuming(error, context: "commit transaction")
        }
    }

    func abortTransaction(timeout: Duration) throws {
        if let error = rd_kafka_abort_transaction(handle, timeout.timeoutMilliseconds) {
            throw KafkaError.consuming(error, context: "abort transaction")
        }
    }
}
