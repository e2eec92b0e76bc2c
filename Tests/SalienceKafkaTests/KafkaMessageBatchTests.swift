import SalienceKafka
import SalienceTestSupport
import Testing

@Suite(.ownThreads)
struct KafkaMessageBatchTests {
    static let events = KafkaTopicPartition(topic: "events", partition: 3)

    @Test func aMessageReadsBackAsItWasAppended() throws {
        var batch = KafkaMessageBatch()
        let stamp = KafkaTimestamp(milliseconds: 1_700_000_000_123, kind: .createTime)
        batch.append(Self.events, offset: 41, key: Array("user-1".utf8), value: Array(#"{"a":1}"#.utf8),
                     headers: [KafkaHeader(key: "h", string: "v"), KafkaHeader(key: "empty", value: nil)], timestamp: stamp)
        batch.append(Self.events, offset: 42, key: nil, value: [])
        #expect(batch.count == 2)
        let first = batch.messages[0], second = batch.messages[1]
        #expect(batch.consumerMessage(first) == KafkaConsumerMessage(
            topic: "events", partition: 3, offset: 41, key: Array("user-1".utf8), value: Array(#"{"a":1}"#.utf8),
            headers: [KafkaHeader(key: "h", string: "v"), KafkaHeader(key: "empty", value: nil)], timestamp: stamp
        ))
        #expect(batch.key(of: second) == nil)
        #expect(batch.value(of: second).isEmpty)
        #expect(batch.headers(of: second).isEmpty)
        #expect(batch.withValue(of: first) { Array($0) } == Array(#"{"a":1}"#.utf8))
    }

    @Test func emptiedAndRefilledItHoldsOnlyTheNewMessages() {
        var batch = KafkaMessageBatch()
        for offset in 0..<100 { batch.append(Self.events, offset: Int64(offset), key: [1, 2], value: Array(repeating: 7, count: 300)) }
        batch.removeAll()
        #expect(batch.isEmpty)
        batch.append(Self.events, offset: 100, key: [9], value: [1, 2, 3], headers: [KafkaHeader(key: "x", string: "y")])
        #expect(batch.count == 1)
        #expect(batch.key(of: batch.messages[0]).map(Array.init) == [9])
        #expect(Array(batch.value(of: batch.messages[0])) == [1, 2, 3])
        #expect(batch.headers(of: batch.messages[0]) == [KafkaHeader(key: "x", string: "y")])
    }

    @Test func aBatchThatKeepsNoHeadersStillKeepsKeyAndValue() {
        var batch = KafkaMessageBatch(keepingHeaders: false)
        batch.append(Self.events, offset: 7, key: [1], value: [2, 3], headers: [KafkaHeader(key: "h", string: "v")])
        #expect(batch.headers(of: batch.messages[0]).isEmpty)
        #expect(batch.key(of: batch.messages[0]).map(Array.init) == [1])
        #expect(Array(batch.value(of: batch.messages[0])) == [2, 3])
    }

    @Test func removingAPartitionsMessagesKeepsTheOthersBytes() {
        var batch = KafkaMessageBatch()
        let other = KafkaTopicPartition(topic: "events", partition: 4)
        for offset in 0..<6 {
            batch.append(offset.isMultiple(of: 2) ? Self.events : other, offset: Int64(offset), key: nil, value: [UInt8(offset)])
        }
        batch.removeMessages { $0 == other }
        #expect(batch.messages.map(\.offset) == [0, 2, 4])
        #expect(batch.messages.map { Array(batch.value(of: $0)) } == [[0], [2], [4]])
    }
}
