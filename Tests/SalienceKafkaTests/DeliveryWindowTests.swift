@testable import SalienceKafka
import SalienceTestSupport
import Testing

/// The producer's window of outstanding messages, without a broker.
@Suite(.ownThreads)
struct DeliveryWindowTests {
    @Test func theReportedPrefixWaitsForTheOldestOutstandingMessage() throws {
        let window = DeliveryWindow(capacity: 64)
        let handler = KafkaDeliveryHandler()
        let sequences = (0..<10).map { window.open(handler, tag: Int64($0) * 7)! }
        #expect(sequences == Array(0..<10))
        #expect(window.sent == 10 && window.reportedThrough == 0)
        // Reports out of order: the prefix moves only past messages reported in a row from the start.
        for sequence: UInt64 in [3, 1, 2] {
            let (taken, tag) = window.take(sequence)
            #expect(taken === handler && tag == Int64(sequence) * 7)
            window.reported(sequence)
        }
        #expect(window.reportedThrough == 0)
        window.reported(0)
        #expect(window.reportedThrough == 4)
        for sequence: UInt64 in (4..<10).reversed() { window.reported(sequence) }
        #expect(window.reportedThrough == 10)
    }

    @Test func theRingGrowsToItsCapacityKeepingOutstandingSlotsThenRefuses() throws {
        let window = DeliveryWindow(capacity: 3000)
        let handler = KafkaDeliveryHandler()
        // Message 0 stays outstanding while 2,999 later ones are sent and reported.
        #expect(window.open(handler, tag: -1) == 0)
        for index in 1..<3000 {
            let sequence = try #require(window.open(handler, tag: Int64(index)))
            if index > 1 { window.reported(sequence - 1) }
        }
        #expect(window.open(handler, tag: 0) == nil, "full: 3,000 outstanding from the oldest")
        // Message 0 kept its tag through two doublings of the ring (1,024 → 2,048 → 3,000).
        #expect(window.take(0).tag == -1)
        window.reported(0)
        #expect(window.reportedThrough == 2999)
        window.reported(2999)
        #expect(window.reportedThrough == 3000)
        #expect(window.open(handler, tag: 0) == 3000)
    }

    @Test func aCancelledSendLeavesNoGap() {
        let window = DeliveryWindow(capacity: 8)
        let handler = KafkaDeliveryHandler()
        let first = window.open(handler, tag: 0)!
        let refused = window.open(handler, tag: 0)!
        window.cancel(refused)
        #expect(window.reportedThrough == 0)
        window.reported(first)
        #expect(window.reportedThrough == 2)
        #expect(window.take(refused).handler == nil, "a cancelled slot no longer holds its handler")
    }
}
