import SalienceKafka
import SalienceTestSupport
import Testing

@Suite(.ownThreads, .timeLimit(.minutes(2)))
struct OffsetsForTimesTests {
    /// The embedded cluster answers -1 to every time lookup, so this exercises
    /// the search over the messages' own timestamps.
    @Test func findsTheFirstOffsetAtOrAfterATimestampByFallbackSearch() throws {
        let test = try TestCluster(brokers: 1)
        let topic = try test.makeTopic("times", partitions: 2)
        let producer = try test.producer()
        let base: Int64 = 1_511_658_000_000
        // Partition 0: one message every 10 ms, with runs of equal timestamps.
        for index in 0..<300 {
            let time = base + Int64(index / 3) * 10
            try producer.send(KafkaProducerMessage(topic: topic, partition: 0, value: [1], timestampMilliseconds: time)) { _ in }
        }
        try producer.flush(timeout: .seconds(10))
        let consumer = try test.consumer(group: nil)
        let partition0 = KafkaTopicPartition(topic: topic, partition: 0)
        let partition1 = KafkaTopicPartition(topic: topic, partition: 1)

        func lookup(_ time: Int64) throws -> [Int64] {
            try consumer.offsets(forTimestamp: time, in: [partition0, partition1], timeout: .seconds(10)).map(\.offset)
        }
        // Exactly on a run of equal timestamps: the first of the run.
        #expect(try lookup(base + 500) == [150, 0])
        // Between two timestamps: the next one.
        #expect(try lookup(base + 505) == [153, 0])
        // Before everything: the first offset.
        #expect(try lookup(base - 1) == [0, 0])
        // After everything: the high watermark.
        #expect(try lookup(base + 10_000) == [300, 0])
        try consumer.close()
    }
}
