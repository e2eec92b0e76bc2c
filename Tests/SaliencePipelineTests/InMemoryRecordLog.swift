import SalienceKafka
@testable import SaliencePipeline
import Synchronization

/// Topics as a broker keeps them, in memory: what the output stage and the
/// checkpoint writer send lands here with offsets, delivery reports come when
/// the test calls ``deliver()`` (as librdkafka's come after a flush), and the
/// restore path reads it back through ``PartitionReading``. It can compact a
/// topic (newest record per key, tombstoned keys dropped) and evict a
/// partition's head, as a broker's compaction and retention do.
final class InMemoryRecordLog: RecordSink, PartitionReading, Sendable {
    private struct Pending: @unchecked Sendable {
        let receipt: KafkaDeliveryReceipt
        let report: (KafkaProducer.DeliveryResult) -> Void
    }

    private struct Contents {
        /// Messages by partition; a compacted or evicted offset is absent.
        var partitions: [KafkaTopicPartition: [KafkaConsumerMessage]] = [:]
        /// The next offset of each partition.
        var ends: [KafkaTopicPartition: Int64] = [:]
        /// The first offset each partition still holds.
        var starts: [KafkaTopicPartition: Int64] = [:]
        var pending: [Pending] = []
    }

    private let contents = Mutex(Contents())

    func send(_ message: KafkaProducerMessage, tag: Int64, reportingTo handler: KafkaDeliveryHandler) throws {
        append(message) { handler.delivered($0, tag: tag) }
    }

    func send(_ message: KafkaProducerMessage, onDelivery: @escaping @Sendable (KafkaProducer.DeliveryResult) -> Void) throws {
        append(message, report: onDelivery)
    }

    private func append(_ message: KafkaProducerMessage, report: @escaping (KafkaProducer.DeliveryResult) -> Void) {
        contents.withLock { contents in
            let partition = KafkaTopicPartition(topic: message.topic, partition: message.partition ?? 0)
            let offset = contents.ends[partition, default: 0]
            contents.ends[partition] = offset + 1
            contents.partitions[partition, default: []].append(KafkaConsumerMessage(
                topic: message.topic, partition: partition.partition, offset: offset, key: message.key,
                value: message.isTombstone ? [] : message.value, headers: message.headers, timestamp: nil
            ))
            let receipt = KafkaDeliveryReceipt(topic: message.topic, partition: partition.partition, offset: offset, timestamp: nil)
            contents.pending.append(Pending(receipt: receipt, report: report))
        }
    }

    /// Sends every delivery report not yet sent (successes), in send order.
    func deliver() {
        let pending = contents.withLock { contents in
            defer { contents.pending = [] }
            return contents.pending
        }
        for item in pending { item.report(.success(item.receipt)) }
    }

    /// Every message a topic holds, by partition and offset.
    func messages(_ topic: String) -> [KafkaConsumerMessage] {
        contents.withLock { contents in
            contents.partitions.filter { $0.key.topic == topic }.sorted { $0.key.partition < $1.key.partition }.flatMap(\.value)
        }
    }

    /// Keeps the newest message of each key of `topic`, and drops keys whose
    /// newest message is a tombstone, as log compaction does.
    func compact(_ topic: String) {
        contents.withLock { contents in
            for (partition, messages) in contents.partitions where partition.topic == topic {
                var newest: [[UInt8]: Int64] = [:]
                for message in messages { newest[message.key ?? []] = message.offset }
                contents.partitions[partition] = messages.filter { newest[$0.key ?? []] == $0.offset && !$0.value.isEmpty }
            }
        }
    }

    /// Drops the messages of `partition` below `offset`, as retention does.
    func evict(_ partition: KafkaTopicPartition, below offset: Int64) {
        contents.withLock { contents in
            contents.partitions[partition]?.removeAll { $0.offset < offset }
            contents.starts[partition] = max(contents.starts[partition, default: 0], offset)
        }
    }

    /// Removes the messages of `partition` from `offset` on, as if they had never been written (a crash before they were sent).
    func truncate(_ partition: KafkaTopicPartition, from offset: Int64) {
        contents.withLock { contents in
            contents.partitions[partition]?.removeAll { $0.offset >= offset }
            contents.ends[partition] = offset
        }
    }

    func watermarks(_ partition: KafkaTopicPartition) throws -> (low: Int64, high: Int64) {
        contents.withLock { ($0.starts[partition, default: 0], $0.ends[partition, default: 0]) }
    }

    func bounds(_ partitions: [KafkaTopicPartition]) throws -> [KafkaTopicPartition: (low: Int64, end: Int64)] {
        try Dictionary(uniqueKeysWithValues: partitions.map { partition in
            let marks = try watermarks(partition)
            return (partition, (marks.low, marks.high))
        })
    }

    func read(_ ranges: [KafkaTopicPartition: Range<Int64>]) throws -> [KafkaTopicPartition: [KafkaConsumerMessage]] {
        contents.withLock { contents in
            Dictionary(uniqueKeysWithValues: ranges.map { partition, range in
                (partition, contents.partitions[partition, default: []].filter { range.contains($0.offset) })
            })
        }
    }
}
