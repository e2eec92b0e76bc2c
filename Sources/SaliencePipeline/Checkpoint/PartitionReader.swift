import Logging
import SalienceKafka

/// Reads chosen offset ranges of partitions: the newest checkpoint, the last
/// sample already written. A ``PartitionReader`` on a broker in the engine,
/// an in-memory log in tests.
protocol PartitionReading: AnyObject {
    /// The low and high watermarks the broker reports.
    func watermarks(_ partition: KafkaTopicPartition) throws -> (low: Int64, high: Int64)
    /// Each partition's low watermark and the offset after its last message,
    /// found for all of them together.
    func bounds(_ partitions: [KafkaTopicPartition]) throws -> [KafkaTopicPartition: (low: Int64, end: Int64)]
    /// The messages in each partition's range, read together.
    func read(_ ranges: [KafkaTopicPartition: Range<Int64>]) throws -> [KafkaTopicPartition: [KafkaConsumerMessage]]
}

extension PartitionReading {
    /// The offset after the partition's last message.
    func end(_ partition: KafkaTopicPartition) throws -> Int64 {
        try bounds([partition])[partition]!.end
    }

    /// The messages of one partition in `range`.
    func read(_ partition: KafkaTopicPartition, _ range: Range<Int64>) throws -> [KafkaConsumerMessage] {
        try read([partition: range])[partition] ?? []
    }

    /// Visits windows of the partition from the newest message back to the
    /// oldest, each newest-first, until `visit` returns `true`.
    func scanBackward(_ partition: KafkaTopicPartition, window: Int64 = 64, _ visit: ([KafkaConsumerMessage]) throws -> Bool) throws {
        try scanBackward([partition], window: window) { _, messages in try visit(messages) }
    }

    /// Visits windows of each partition from its newest message back to its
    /// oldest, each newest-first, until `visit` returns `true` for that
    /// partition; the partitions are read together, a window of each per
    /// round, so many partitions cost the round trips of one.
    func scanBackward(
        _ partitions: [KafkaTopicPartition], window: Int64 = 64, _ visit: (KafkaTopicPartition, [KafkaConsumerMessage]) throws -> Bool
    ) throws {
        guard !partitions.isEmpty else { return }
        let bounds = try bounds(partitions)
        var uppers = bounds.mapValues(\.end)
        var open = partitions.filter { bounds[$0]!.end > bounds[$0]!.low }
        var size = window
        while !open.isEmpty {
            let ranges = Dictionary(uniqueKeysWithValues: open.map { ($0, max(bounds[$0]!.low, uppers[$0]! - size)..<uppers[$0]!) })
            let windows = try read(ranges)
            var next: [KafkaTopicPartition] = []
            for partition in open {
                if try visit(partition, (windows[partition] ?? []).reversed()) { continue }
                uppers[partition] = ranges[partition]!.lowerBound
                if uppers[partition]! > bounds[partition]!.low { next.append(partition) }
            }
            open = next
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

    /// Each partition's end is read rather than taken from the high
    /// watermark: the consumer starts at the high watermark and reads to the
    /// end of the partition (one empty fetch where the broker's watermark is
    /// right; Tansu 0.6 reports the base offset of the last record batch,
    /// short of its last records).
    func bounds(_ partitions: [KafkaTopicPartition]) throws -> [KafkaTopicPartition: (low: Int64, end: Int64)] {
        guard !partitions.isEmpty else { return [:] }
        var marks: [KafkaTopicPartition: (low: Int64, high: Int64)] = [:]
        for partition in partitions { marks[partition] = try watermarks(partition) }
        try consumer.assign(partitions.map { KafkaTopicPartitionOffset($0, offset: marks[$0]!.high) })
        defer { try? consumer.assign([]) }
        var last = marks.mapValues { $0.high - 1 }
        var ends: [KafkaTopicPartition: Int64] = [:]
        let deadline = ContinuousClock.now + timeout
        while let missing = partitions.first(where: { ends[$0] == nil }) {
            guard ContinuousClock.now < deadline else {
                throw KafkaError(code: .timedOut, name: "_TIMED_OUT", message: "reading \(missing) to its end from offset \(marks[missing]!.high)", severity: .retriable)
            }
            for message in try consumer.poll(maxMessages: 500, timeout: .milliseconds(100), partitionEnds: &ends) {
                if let seen = last[message.topicPartition] { last[message.topicPartition] = max(seen, message.offset) }
            }
        }
        return Dictionary(uniqueKeysWithValues: partitions.map { ($0, (marks[$0]!.low, max(last[$0]! + 1, ends[$0]!))) })
    }

    /// Reads each range until a message at or past its last offset arrives
    /// or the partition's end is reached, so a range whose last offsets were
    /// compacted away ends too.
    func read(_ ranges: [KafkaTopicPartition: Range<Int64>]) throws -> [KafkaTopicPartition: [KafkaConsumerMessage]] {
        let ranges = ranges.filter { !$0.value.isEmpty }
        guard !ranges.isEmpty else { return [:] }
        try consumer.assign(ranges.map { KafkaTopicPartitionOffset($0.key, offset: $0.value.lowerBound) })
        // Unassigned afterwards, so no fetch keeps running between reads.
        defer { try? consumer.assign([]) }
        var messages: [KafkaTopicPartition: [KafkaConsumerMessage]] = [:]
        var lastSeen = ranges.mapValues { $0.lowerBound - 1 }
        var done: Set<KafkaTopicPartition> = []
        var ends: [KafkaTopicPartition: Int64] = [:]
        let deadline = ContinuousClock.now + timeout
        while let (partition, range) = ranges.first(where: { !done.contains($0.key) }) {
            guard ContinuousClock.now < deadline else {
                throw KafkaError(code: .timedOut, name: "_TIMED_OUT",
                                 message: "reading \(partition) offsets \(range) stopped at \(lastSeen[partition]!)", severity: .retriable)
            }
            for message in try consumer.poll(maxMessages: 500, timeout: .milliseconds(100), partitionEnds: &ends) {
                // Only offsets past the last seen: librdkafka 2.0 can hand a
                // consumer a range again after a fetch restarts (its issue #4637).
                let partition = message.topicPartition
                guard let range = ranges[partition], !done.contains(partition), message.offset > lastSeen[partition]! else { continue }
                lastSeen[partition] = message.offset
                if range.contains(message.offset) { messages[partition, default: []].append(message) }
                if message.offset >= range.upperBound - 1 { done.insert(partition) }
            }
            // At its end every message of the partition has come.
            for partition in ends.keys where ranges[partition] != nil { done.insert(partition) }
        }
        return messages
    }
}
