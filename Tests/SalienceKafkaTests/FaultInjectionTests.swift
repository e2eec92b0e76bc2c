import Foundation
import SalienceKafka
import SalienceTestSupport
import Testing

@Suite(.ownThreads, .timeLimit(.minutes(2)))
struct FaultInjectionTests {
    @Test func aBrokerDownDuringProduceLosesAndDuplicatesNothing() async throws {
        let test = try TestCluster(brokers: 3)
        let topic = try test.makeTopic("faults", partitions: 3)
        for partition in Int32(0)..<3 {
            try test.cluster.setPartitionLeader(topic: topic, partition: partition, broker: partition + 1)
        }
        let producer = try test.producer(properties: ["retry.backoff.ms": "100", "message.send.max.retries": "1000000"])
        let deliveries = DeliveryLog()
        let total = 3_000
        for index in 0..<total {
            if index == 1_000 { try test.cluster.setBrokerDown(2) }
            try producer.send(KafkaProducerMessage(topic: topic, partition: Int32(index % 3), value: Array("\(index)".utf8))) {
                deliveries.record($0)
            }
            if index % 100 == 0 { try await Task.sleep(for: .milliseconds(5)) }
        }
        try await Task.sleep(for: .seconds(3))
        try test.cluster.setBrokerUp(2)
        try producer.flush(timeout: .seconds(60))
        #expect(deliveries.failures.isEmpty)
        #expect(deliveries.receipts.count == total)

        let consumer = try test.consumer(group: nil)
        try consumer.assign((0..<3).map { KafkaTopicPartitionOffset(topic: topic, partition: $0, offset: KafkaOffset.beginning) })
        let messages = try consumer.drain(count: total)
        _ = try consumer.poll(maxMessages: 100, timeout: .milliseconds(500)).map { extra in
            Issue.record("unexpected extra message at \(extra.topicPartition)@\(extra.offset)")
        }
        let values = messages.map { Int(String(decoding: $0.value, as: UTF8.self))! }
        #expect(values.count == total)
        #expect(Set(values) == Set(0..<total), "every message exactly once")
        for partition in Int32(0)..<3 {
            let inPartition = messages.filter { $0.partition == partition }.map { Int(String(decoding: $0.value, as: UTF8.self))! }
            #expect(inPartition == inPartition.sorted(), "partition \(partition) keeps send order")
        }
        try consumer.close()
    }

    @Test func injectedProduceAndFetchErrorsAreRetried() throws {
        let test = try TestCluster(brokers: 1)
        let topic = try test.makeTopic("retry", partitions: 1)
        let producer = try test.producer()
        // NOT_LEADER_FOR_PARTITION and REQUEST_TIMED_OUT are retriable.
        test.cluster.pushRequestErrors(.produce, errors: [.notLeaderForPartition, .requestTimedOut, .notLeaderForPartition])
        let deliveries = DeliveryLog()
        for index in 0..<20 {
            try producer.send(KafkaProducerMessage(topic: topic, partition: 0, value: [UInt8(index)])) { deliveries.record($0) }
        }
        try producer.flush(timeout: .seconds(30))
        #expect(deliveries.receipts.count == 20)

        test.cluster.pushRequestErrors(.fetch, errors: [.notLeaderForPartition, .requestTimedOut])
        let consumer = try test.consumer(group: nil)
        try consumer.assign([KafkaTopicPartitionOffset(topic: topic, partition: 0, offset: KafkaOffset.beginning)])
        #expect(try consumer.drain(count: 20).map { $0.value[0] } == Array(0..<20))
        try consumer.close()
    }

    @Test func roundTripDelayIsApplied() throws {
        let test = try TestCluster(brokers: 1)
        let topic = try test.makeTopic("rtt", partitions: 1)
        let producer = try test.producer()
        try producer.send(KafkaProducerMessage(topic: topic, partition: 0, value: [0])) { _ in }
        try producer.flush(timeout: .seconds(10))
        try test.cluster.setRoundTripTime(.milliseconds(400), broker: 1)
        let clock = ContinuousClock()
        let elapsed = try clock.measure {
            try producer.send(KafkaProducerMessage(topic: topic, partition: 0, value: [1])) { _ in }
            try producer.flush(timeout: .seconds(10))
        }
        #expect(elapsed >= .milliseconds(400))
    }
}
