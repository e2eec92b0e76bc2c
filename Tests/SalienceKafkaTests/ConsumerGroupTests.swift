import Foundation
import SalienceKafka
import SalienceTestSupport
import Synchronization
import Testing

/// Records what a consumer's rebalance handler was told.
final class AssignmentLog: Sendable {
    private let current = Locked<Set<KafkaTopicPartition>>([])
    private let revocations = Locked(0)

    var handler: KafkaRebalanceHandler {
        KafkaRebalanceHandler(
            assigned: { [current] partitions in
                current.withLock { $0.formUnion(partitions) }
                return []
            },
            revoked: { [current, revocations] partitions in
                current.withLock { $0.subtract(partitions) }
                revocations.withLock { $0 += 1 }
            }
        )
    }

    var partitions: Set<KafkaTopicPartition> { current.value }
    var revocationCount: Int { revocations.value }
}

@Suite(.ownThreads, .timeLimit(.minutes(2)))
struct ConsumerGroupTests {
    @Test func twoMembersSplitThePartitionsAndTheSurvivorTakesAllWhenOneLeaves() throws {
        let test = try TestCluster()
        let topic = try test.makeTopic("group", partitions: 6)
        let group = TestCluster.uniqueName("group")
        let all = Set((0..<6).map { KafkaTopicPartition(topic: topic, partition: Int32($0)) })
        let firstLog = AssignmentLog()
        let secondLog = AssignmentLog()
        let first = try test.consumer(group: group, rebalanceHandler: firstLog.handler)
        let second = try test.consumer(group: group, rebalanceHandler: secondLog.handler)
        try first.subscribe(topics: [topic])
        try second.subscribe(topics: [topic])

        // Both members poll (on their own threads) until the group has settled on a split.
        let deadline = ContinuousClock.now + .seconds(40)
        let settled: @Sendable () -> Bool = { firstLog.partitions.union(secondLog.partitions) == all && !firstLog.partitions.isEmpty && !secondLog.partitions.isEmpty }
        try pollTogether(first, second, until: { settled() || ContinuousClock.now > deadline })
        #expect(settled())
        #expect(firstLog.partitions.isDisjoint(with: secondLog.partitions))
        #expect(Set(try first.assignment()) == firstLog.partitions)

        try first.close()
        #expect(firstLog.partitions.isEmpty, "close revokes the assignment through the handler")
        #expect(firstLog.revocationCount >= 1)
        _ = try second.poll(until: { secondLog.partitions == all }, timeout: .seconds(40))
        #expect(secondLog.partitions == all)
        try second.close()
    }

    @Test func consumptionResumesExactlyAfterTheCommittedOffset() throws {
        let test = try TestCluster(brokers: 1)
        let topic = try test.makeTopic("commit", partitions: 1)
        let group = TestCluster.uniqueName("commit")
        let producer = try test.producer()
        for index in 0..<100 {
            try producer.send(KafkaProducerMessage(topic: topic, partition: 0, value: Array("\(index)".utf8))) { _ in }
        }
        try producer.flush(timeout: .seconds(10))
        let partition = KafkaTopicPartition(topic: topic, partition: 0)

        let first = try test.consumer(group: group)
        try first.subscribe(topics: [topic])
        let read = try first.drain(count: 100)
        #expect(read.count == 100)
        try first.commit([KafkaTopicPartitionOffset(partition, offset: 37)])
        #expect(try first.committed([partition], timeout: .seconds(5)).first?.offset == 37)
        try first.close()

        let second = try test.consumer(group: group)
        try second.subscribe(topics: [topic])
        let resumed = try second.drain(count: 63)
        #expect(resumed.map(\.offset) == Array(37..<100))
        #expect(resumed.first.map { String(decoding: $0.value, as: UTF8.self) } == "37")
        try second.close()
    }

    @Test func rebalanceHandlerChoosesStartOffsets() throws {
        let test = try TestCluster(brokers: 1)
        let topic = try test.makeTopic("start", partitions: 2)
        let producer = try test.producer()
        for index in 0..<40 {
            try producer.send(KafkaProducerMessage(topic: topic, partition: Int32(index % 2), value: [UInt8(index)])) { _ in }
        }
        try producer.flush(timeout: .seconds(10))
        let handler = KafkaRebalanceHandler(
            assigned: { partitions in partitions.filter { $0.partition == 1 }.map { KafkaTopicPartitionOffset($0, offset: 15) } },
            revoked: { _ in }
        )
        let consumer = try test.consumer(group: TestCluster.uniqueName("start"), rebalanceHandler: handler)
        try consumer.subscribe(topics: [topic])
        let messages = try consumer.drain(count: 25)
        #expect(messages.filter { $0.partition == 0 }.map(\.offset) == Array(0..<20))
        #expect(messages.filter { $0.partition == 1 }.map(\.offset) == Array(15..<20))
        try consumer.close()
    }

    /// Polls two consumers on two threads until `done` holds.
    private func pollTogether(_ first: KafkaConsumer, _ second: KafkaConsumer, until done: @escaping @Sendable () -> Bool) throws {
        let failure = Locked<(any Error)?>(nil)
        let finished = DispatchGroup()
        for consumer in [first, second] {
            finished.enter()
            Thread {
                defer { finished.leave() }
                do {
                    while !done() { _ = try consumer.poll(maxMessages: 100, timeout: .milliseconds(100)) }
                } catch {
                    failure.withLock { $0 = error }
                }
            }.start()
        }
        finished.wait()
        if let error = failure.value { throw error }
    }
}
