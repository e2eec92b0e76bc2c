import Logging

extension KafkaConsumer {
    /// For each partition, the first offset whose message timestamp is at or
    /// after `timestamp` (milliseconds since the epoch), or the high watermark
    /// when no message is that late: the lookup by bounds below, within the
    /// watermarks the broker reports.
    public func offsets(
        forTimestamp timestamp: Int64,
        in partitions: [KafkaTopicPartition],
        timeout: Duration
    ) throws -> [KafkaTopicPartitionOffset] {
        var bounds: [KafkaTopicPartition: Range<Int64>] = [:]
        for partition in partitions {
            let (low, high) = try watermarks(of: partition, timeout: timeout)
            bounds[partition] = low..<max(low, high)
        }
        let found = try offsets(forTimestamp: timestamp, in: bounds, timeout: timeout)
        return partitions.map { KafkaTopicPartitionOffset($0, offset: found[$0]!) }
    }

    /// For each partition, the first offset in its `bounds` (its first
    /// offset to the one after its last message, as the caller found them:
    /// a broker's high watermark can fall short of its last message) whose
    /// message timestamp is at or after `timestamp` (milliseconds since the
    /// epoch), or the bounds' end when no message is that late.
    ///
    /// The broker's ListOffsets answer is checked against the messages on
    /// either side of it (``TimeLookup``) and used when it agrees with them.
    /// When the broker says "none" (-1) (librdkafka's embedded cluster,
    /// librdkafka issue 4755), or answers an offset its messages contradict
    /// (Tansu 0.6 answers 0 for any time, docs/brokers.md), the offset is
    /// found by a binary search over the messages' own timestamps, which
    /// assumes they do not go down within a partition (true for
    /// `LogAppendTime` and for producers that send in time order). A
    /// contradicted answer is logged as a warning.
    public func offsets(
        forTimestamp timestamp: Int64,
        in bounds: [KafkaTopicPartition: Range<Int64>],
        timeout: Duration
    ) throws -> [KafkaTopicPartition: Int64] {
        var probe: TimestampProbe?
        var found: [KafkaTopicPartition: Int64] = [:]
        for answer in try client.offsets(forTimestamp: timestamp, in: Array(bounds.keys), timeout: timeout) {
            let partition = answer.topicPartition
            guard let range = bounds[partition], !range.isEmpty else {
                found[partition] = bounds[partition]?.upperBound ?? answer.offset
                continue
            }
            if probe == nil { probe = try TimestampProbe(configuration: configuration, timeout: timeout) }
            let lookup = TimeLookup(target: timestamp, low: range.lowerBound, high: range.upperBound)
            let result = try lookup.firstOffset(brokerAnswer: answer.offset) { offset in
                try probe!.message(at: offset, in: partition)
            }
            if let contradiction = result.contradiction {
                logger.warning("the broker's time lookup contradicts the messages; searched their timestamps instead", metadata: [
                    "partition": "\(partition)", "answer": "\(answer.offset)", "found": "\(result.offset)",
                    "why": "\(contradiction)",
                ])
            }
            found[partition] = result.offset
        }
        return found
    }
}

/// The first offset of a partition whose message timestamp is at or after
/// `target`, from a broker's ListOffsets answer checked against the
/// messages, or by a binary search over them.
///
/// Pure: messages are read through the function its methods take, so the
/// rule is tested without a broker.
struct TimeLookup {
    /// The timestamp looked up, in milliseconds.
    let target: Int64
    /// The partition's first offset.
    let low: Int64
    /// The offset after its last message (the answer when no message is late enough).
    let high: Int64

    /// What was found: the offset, and why the broker's answer was not
    /// taken when it was contradicted (`nil` when it was taken, or was -1).
    struct Found: Equatable {
        var offset: Int64
        var contradiction: String?
    }

    /// The broker's answer when the messages agree with it, else the
    /// search's. `read(offset)` gives the offset and timestamp of the
    /// first message at or after `offset` (a compacted or aborted offset
    /// has none of its own).
    ///
    /// An answer `a` agrees when the message just before it is earlier than
    /// the target (or `a` is the low watermark) and the first message at or
    /// after it is at or after the target (or `a` is the high watermark,
    /// or beyond it). -1, "none", is searched: a broker that cannot answer
    /// time lookups says it too.
    func firstOffset(brokerAnswer answer: Int64, read: (Int64) throws -> (offset: Int64, timestamp: Int64)) throws -> Found {
        guard answer >= 0 else { return Found(offset: try search(read: read)) }
        let contradiction = answer < low
            ? "offset \(answer) lies before the partition's first, \(low)"
            : try disagreement(with: answer, read: read)
        guard let contradiction else { return Found(offset: answer) }
        return Found(offset: try search(read: read), contradiction: contradiction)
    }

    /// Why the messages around `answer` contradict it, or `nil` when they agree.
    private func disagreement(with answer: Int64, read: (Int64) throws -> (offset: Int64, timestamp: Int64)) throws -> String? {
        var after: (offset: Int64, timestamp: Int64)?
        if answer > low {
            let message = try read(answer - 1)
            if message.offset < answer {
                if message.timestamp >= target {
                    return "message \(message.offset), just before it, has timestamp \(message.timestamp), not before \(target)"
                }
            } else {
                // No message of its own at answer − 1: this one is the first at or after the answer.
                after = message
            }
        }
        if after == nil, answer < high { after = try read(answer) }
        guard let after, after.timestamp < target else { return nil }
        return "message \(after.offset), the first at or after it, has timestamp \(after.timestamp), before \(target)"
    }

    /// Binary search in `low..<high` for the first message at or after the target.
    private func search(read: (Int64) throws -> (offset: Int64, timestamp: Int64)) throws -> Int64 {
        var lower = low
        var upper = high
        while lower < upper {
            let middle = lower + (upper - lower) / 2
            let (offset, time) = try read(middle)
            if time >= target {
                upper = middle
            } else {
                lower = offset + 1
            }
        }
        return lower
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

    /// The offset and timestamp of the first message at or after `offset`.
    func message(at offset: Int64, in partition: KafkaTopicPartition) throws -> (offset: Int64, timestamp: Int64) {
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
