import Foundation
import SalienceKafka
import SalienceTestSupport
import Synchronization
import Testing

@Suite(.ownThreads, .timeLimit(.minutes(2)))
struct RoundTripTests {
    @Test func tenThousandMessagesArriveInOrderPerPartitionWithKeysHeadersAndTimestamps() async throws {
        let test = try TestCluster()
        let topic = try test.makeTopic("roundtrip", partitions: 4)
        let producer = try test.producer()
        let deliveries = DeliveryLog()
        let baseTime: Int64 = 1_700_000_000_000
        for index in 0..<10_000 {
            let message = KafkaProducerMessage(
                topic: topic,
                partition: Int32(index % 4),
                key: Array("user-\(index % 97)".utf8),
                value: Array("event-\(index)".utf8),
                headers: [KafkaHeader(key: "seq", string: "\(index)"), KafkaHeader(key: "empty", value: nil)],
                timestampMilliseconds: baseTime + Int64(index)
            )
            try producer.send(message) { deliveries.record($0) }
        }
        try producer.flush(timeout: .seconds(30))
        #expect(deliveries.all.count == 10_000)
        #expect(deliveries.failures.isEmpty)

        let consumer = try test.consumer(group: nil)
        try consumer.assign((0..<4).map { KafkaTopicPartitionOffset(topic: topic, partition: $0, offset: KafkaOffset.beginning) })
        let messages = try consumer.drain(count: 10_000)
        try consumer.close()

        #expect(messages.count == 10_000)
        var seen = Set<Int>()
        for partition in Int32(0)..<4 {
            let inPartition = messages.filter { $0.partition == partition }
            #expect(inPartition.map(\.offset) == Array(0..<Int64(inPartition.count)), "offsets of partition \(partition)")
            let sequence = inPartition.map { Int(String(decoding: $0.header("seq") ?? [], as: UTF8.self))! }
            #expect(sequence == sequence.sorted(), "order within partition \(partition)")
        }
        for message in messages {
            let index = Int(String(decoding: message.header("seq") ?? [], as: UTF8.self))!
            seen.insert(index)
            #expect(message.value == Array("event-\(index)".utf8))
            #expect(message.key == Array("user-\(index % 97)".utf8))
            #expect(message.partition == Int32(index % 4))
            #expect(message.timestamp == KafkaTimestamp(milliseconds: baseTime + Int64(index), kind: .createTime))
            #expect(message.headers.contains(KafkaHeader(key: "empty", value: nil)))
        }
        #expect(seen.count == 10_000)
    }

    @Test func asyncSendReturnsTheOffset() async throws {
        let test = try TestCluster(brokers: 1)
        let topic = try test.makeTopic("async", partitions: 1)
        let producer = try test.producer()
        let first = try await producer.send(KafkaProducerMessage(topic: topic, partition: 0, value: [1]))
        let second = try await producer.send(KafkaProducerMessage(topic: topic, partition: 0, value: [2]))
        #expect(first.offset == 0)
        #expect(second.offset == 1)
        #expect(second.topic == topic)
        producer.close(timeout: .seconds(5))
    }

    @Test func aDeliveryHandlerGetsOneReportPerMessageItWasSentWith() throws {
        let test = try TestCluster(brokers: 1)
        let topic = try test.makeTopic("handlers", partitions: 2)
        let producer = try test.producer()
        // One handler for many messages, and one per message carrying its own data.
        let shared = RecordingHandler(label: "shared")
        var own: [RecordingHandler] = []
        for index in 0..<200 {
            let message = KafkaProducerMessage(topic: topic, partition: Int32(index % 2), value: Array("m\(index)".utf8))
            if index.isMultiple(of: 2) {
                try producer.send(message, tag: Int64(index), reportingTo: shared)
            } else {
                let handler = RecordingHandler(label: "m\(index)")
                own.append(handler)
                try producer.send(message, reportingTo: handler)
            }
        }
        // Reported on the partition the messages went to, offsets 0..<100 each.
        try producer.flush(timeout: .seconds(30))
        #expect(shared.reports.count == 100)
        #expect(shared.reports.allSatisfy { $0.partition == 0 && $0.topic == topic })
        #expect(shared.reports.map(\.offset).sorted() == Array(0..<100))
        // Each report carries its message's tag: the n-th even message landed at offset n.
        #expect(shared.tagged.allSatisfy { $0.tag == 2 * $0.receipt.offset })
        #expect(producer.sentMessages == 200 && producer.reportedThrough == 200)
        #expect(own.allSatisfy { $0.reports.count == 1 && $0.reports[0].partition == 1 })
        #expect(Set(own.flatMap { $0.reports.map(\.offset) }) == Set(0..<100))
        producer.close(timeout: .seconds(5))
    }

    @Test func watermarksPositionsAndPauseResume() throws {
        let test = try TestCluster(brokers: 1)
        let topic = try test.makeTopic("marks", partitions: 1)
        let producer = try test.producer()
        for index in 0..<50 {
            try producer.send(KafkaProducerMessage(topic: topic, partition: 0, value: [UInt8(index)])) { _ in }
        }
        try producer.flush(timeout: .seconds(10))
        let consumer = try test.consumer(group: nil)
        let partition = KafkaTopicPartition(topic: topic, partition: 0)
        #expect(try consumer.watermarks(of: partition, timeout: .seconds(5)) == (0, 50))

        try consumer.assign([KafkaTopicPartitionOffset(partition, offset: 10)])
        try consumer.pause([partition])
        #expect(try consumer.poll(maxMessages: 100, timeout: .milliseconds(500)).isEmpty)
        try consumer.resume([partition])
        let messages = try consumer.drain(count: 40)
        #expect(messages.map(\.offset) == Array(10..<50))
        #expect(try consumer.position([partition]).first?.offset == 50)

        // Generous: under the whole suite's load one run timed out at 5 s (librdkafka waits for its fetcher thread).
        try consumer.seek([KafkaTopicPartitionOffset(partition, offset: 45)], timeout: .seconds(30))
        #expect(try consumer.drain(count: 5).map(\.offset) == Array(45..<50))
        try consumer.close()
    }
}

/// Keeps every receipt it is handed (failures fail the test).
private final class RecordingHandler: KafkaDeliveryHandler, @unchecked Sendable {
    let label: String
    private let receipts = Mutex<[(receipt: KafkaDeliveryReceipt, tag: Int64)]>([])

    init(label: String) { self.label = label }

    var reports: [KafkaDeliveryReceipt] { receipts.withLock { $0.map(\.receipt) } }
    var tagged: [(receipt: KafkaDeliveryReceipt, tag: Int64)] { receipts.withLock { $0 } }

    override func delivered(_ result: KafkaProducer.DeliveryResult, tag: Int64) {
        switch result {
        case .success(let receipt): receipts.withLock { $0.append((receipt, tag)) }
        case .failure(let error): Issue.record("\(label) failed: \(error)")
        }
    }
}
