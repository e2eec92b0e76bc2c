import Logging

extension KafkaConsumer {
    /// For each partition, the first offset whose message timestamp is at or
    /// after `timestamp` (milliseconds since the epoch), or the high watermark
    /// when no message is that late.
    ///
    /// The broker's ListOffsets answer is used when it is consistent. When the
    /// broker says "none" (-1) although the partition's last message is late
    /// enough — brokers that cannot answer time lookups, such as librdkafka's
    /// embedded cluster (librdkafka issue 4755) — the offset is found by a binary
    /// search over the messages' own timestamps, which assumes they do not go
    /// down within a partition (true for `LogAppendTime` and for producers that
    /// send in time order).
    public func offsets(
        forTimestamp timestamp: Int64,
        in partitions: [KafkaTopicPartition],
        timeout: Duration
    ) throws -> [KafkaTopicPartitionOffset] {
        var probe: TimestampProbe?
        return try client.offsets(forTimestamp: timestamp, in: partitions, timeout: timeout).map { answer in
            if answer.offset >= 0 { return answer }
            let (low, high) = try watermarks(of: answer.topicPartition, timeout: timeout)
            guard high > low else { return KafkaTopicPartitionOffset(answer.topicPartition, offset: high) }
            if probe == nil { probe = try TimestampProbe(configuration: configuration, timeout: timeout) }
            let offset = try probe!.firstOffset(atOrAfter: timestamp, in: answer.topicPartition, low: low, high: high)
            return KafkaTopicPartitionOffset(answer.topicPartition, offset: offset)
        }
    }
}

/// Reads single messages at chosen offsets with a private group-less consumer.
private struct TimestampProbe {
    private let consumer: KafkaConsumer
    private let timeout: Duration

    /// A consumer with the caller's connection settings (security included),
    /// outside any group.
    init(configuration: KafkaConsumerConfiguration, timeout: Duration) throws {
        var configuration = configuration
        configuration.groupID = nil
        configuration.client.properties["group.id"] = nil
        configuration.client.properties["group.instance.id"] = nil
        configuration.isolationLevel = .readUncommitted
        consumer = try KafkaConsumer(configuration: configuration, logger: Logger(label: "salience.kafka.probe"))
        self.timeout = timeout
    }

    /// Binary search for the first offset in `[low, high)` with a timestamp
    /// at or after `target`; `high` when there is none.
    func firstOffset(atOrAfter target: Int64, in partition: KafkaTopicPartition, low: Int64, high: Int64) throws -> Int64 {
        var lower = low
        var upper = high
        while lower < upper {
            let middle = lower + (upper - lower) / 2
            let (offset, time) = try message(at: middle, in: partition)
            if time >= target {
                upper = middle
            } else {
                lower = offset + 1
            }
        }
        return lower
    }

    /// The offset and timestamp of the first message at or after `offset`.
    private func message(at offset: Int64, in partition: KafkaTopicPartition) throws -> (Int64, Int64) {
        try consumer.assign([KafkaTopicPartitionOffset(partition, offset: offset)])
        let deadline = ContinuousClock.now + timeout
        while ContinuousClock.now < deadline {
            for message in try consumer.poll(maxMessages: 1, timeout: .milliseconds(100))
            where message.topicPartition == partition && message.offset >= offset {
                guard let timestamp = message.timestamp else {
                    throw KafkaError(code: .unsupportedFeature, name: "NO_TIMESTAMP",
                                     message: "message \(partition)@\(message.offset) has no timestamp", severity: .permanent)
                }
                return (message.offset, timestamp.milliseconds)
            }
        }
        throw KafkaError(code: .timedOut, name: "_TIMED_OUT",
                         message: "reading \(partition)@\(offset) for a timestamp lookup", severity: .retriable)
    }
}
