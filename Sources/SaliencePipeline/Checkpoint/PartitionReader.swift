import Logging
import SalienceKafka

/// Reads chosen offset ranges of partitions: the newest checkpoint, the last
/// sample already written. A ``PartitionReader`` on a broker in the engine,
/// an in-memory log in tests.
protocol PartitionReading: AnyObject {
    /// The low and high watermarks the broker reports.
    func watermarks(_ partition: KafkaTopicPartition) throws -> (low: Int64, high: Int64)
    /// The offset after the partition's last message.
    func end(_ partition: KafkaTopicPartition) throws -> Int64
    func read(_ partition: KafkaTopicPartition, _ range: Range<Int64>) throws -> [KafkaConsumerMessage]
}

extension PartitionReading {
    /// Visits windows of the partition from the newest message back to the
    /// oldest, each newest-first, until `visit` returns `true`.
    func scanBackward(_ partition: KafkaTopicPartition, window: Int64 = 64, _ visit: ([KafkaConsumerMessage]) throws -> Bool) throws {
        let low = try watermarks(partition).low
        var upper = try end(partition)
        var size = window
        while upper > low {
            let lower = max(low, upper - size)
            if try visit(try read(partition, lower..<upper).reversed()) { return }
            upper = lower
            size = min(size * 2, 4096)
        }
    }
}

/// Reads partitions with a private consumer outside any group. It never
/// commits and never joins the live group.
final class PartitionReader: PartitionReading {
    private let consumer: KafkaConsumer
    private let timeout: Duration

    init(kafka: KafkaClientConfiguration, timeout: Duration = .seconds(15), logger: Logger) throws {
        var configuration = KafkaConsumerConfiguration(client: kafka)
        configuration.client.clientID = kafka.clientID + "-reader"
        configuration.isolationLevel = .readUncommitted
        configuration.reportEndOfPartition = true
        // Short fetch waits: a broker answers requests on a connection in
        // order, so a long-polling fetch would hold up the next watermark query.
        configuration.client.properties["fetch.wait.max.ms"] = configuration.client.properties["fetch.wait.max.ms"] ?? "10"
        consumer = try KafkaConsumer(configuration: configuration, logger: logger)
        self.timeout = timeout
    }

    deinit {
        try? consumer.close()
    }

    func watermarks(_ partition: KafkaTopicPartition) throws -> (low: Int64, high: Int64) {
        try consumer.watermarks(of: partition, timeout: timeout)
    }

    /// The offset after the partition's last message, read rather than taken
    /// from the high watermark: the consumer starts at the high watermark and
    /// reads to the end of the partition (one empty fetch where the broker's
    /// watermark is right; Tansu 0.6 reports the base offset of the last
    /// record batch, short of its last records).
    func end(_ partition: KafkaTopicPartition) throws -> Int64 {
        let high = try watermarks(partition).high
        try consumer.assign([KafkaTopicPartitionOffset(partition, offset: high)])
        defer { try? consumer.assign([]) }
        var last = high - 1
        var ends: [KafkaTopicPartition: Int64] = [:]
        let deadline = ContinuousClock.now + timeout
        while ends[partition] == nil {
            guard ContinuousClock.now < deadline else {
                throw KafkaError(code: .timedOut, name: "_TIMED_OUT", message: "reading \(partition) to its end from offset \(high)", severity: .retriable)
            }
            for message in try consumer.poll(maxMessages: 500, timeout: .milliseconds(100), partitionEnds: &ends)
            where message.topicPartition == partition {
                last = max(last, message.offset)
            }
        }
        return max(last + 1, ends[partition]!)
    }

    func read(_ partition: KafkaTopicPartition, _ range: Range<Int64>) throws -> [KafkaConsumerMessage] {
        guard !range.isEmpty else { return [] }
        try consumer.assign([KafkaTopicPartitionOffset(partition, offset: range.lowerBound)])
        // Unassigned afterwards, so no fetch keeps running between reads.
        defer { try? consumer.assign([]) }
        var messages: [KafkaConsumerMessage] = []
        var lastSeen = range.lowerBound - 1
        let deadline = ContinuousClock.now + timeout
        while lastSeen < range.upperBound - 1 {
            guard ContinuousClock.now < deadline else {
                throw KafkaError(code: .timedOut, name: "_TIMED_OUT",
                                 message: "reading \(partition) offsets \(range) stopped at \(lastSeen)", severity: .retriable)
            }
            // Only offsets past the last seen: librdkafka 2.0 can hand a
            // consumer a range again after a fetch restarts (its issue #4637).
            for message in try consumer.poll(maxMessages: 500, timeout: .milliseconds(100))
            where message.topicPartition == partition && message.offset > lastSeen {
                lastSeen = message.offset
                if range.contains(message.offset) { messages.append(message) }
            }
        }
        return messages
    }
}
