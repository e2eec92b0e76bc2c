@testable import SalienceKafka
import SalienceTestSupport
import Testing

/// librdkafka's repeated log lines, held back (a broker down floods them).
@Suite(.ownThreads) struct KafkaLogThrottleTests {
    private let start = ContinuousClock.now
    private let refused = "127.0.0.1:9092/bootstrap: Connect to ipv4#127.0.0.1:9092 failed: Connection refused (after 0ms in state CONNECT)"

    /// The first line of a kind is logged, its repeats within the window are
    /// held back, and the first after the window is logged with their count.
    @Test func repeatsWithinTheWindowAreHeldBackAndCounted() {
        var throttle = KafkaLogThrottle(window: .seconds(10))
        #expect(throttle.decide(facility: "FAIL", message: refused, now: start) == .log(heldBack: 0))
        for step in 1...5 {
            #expect(throttle.decide(facility: "FAIL", message: refused, now: start + .seconds(step)) == .holdBack)
        }
        #expect(throttle.decide(facility: "FAIL", message: refused, now: start + .seconds(10)) == .log(heldBack: 5))
        #expect(throttle.decide(facility: "FAIL", message: refused, now: start + .seconds(11)) == .holdBack)
        #expect(throttle.decide(facility: "FAIL", message: refused, now: start + .seconds(30)) == .log(heldBack: 1))
    }

    /// Lines that differ only in their numbers (port, duration) are one kind;
    /// another text or another facility is another kind.
    @Test func aKindIsItsFacilityAndItsTextButForNumbers() {
        var throttle = KafkaLogThrottle()
        #expect(throttle.decide(facility: "FAIL", message: refused, now: start) == .log(heldBack: 0))
        let otherPort = "127.0.0.1:19093/bootstrap: Connect to ipv4#127.0.0.1:19093 failed: Connection refused (after 12ms in state CONNECT)"
        #expect(throttle.decide(facility: "FAIL", message: otherPort, now: start) == .holdBack)
        #expect(throttle.decide(facility: "ERROR", message: refused, now: start) == .log(heldBack: 0))
        #expect(throttle.decide(facility: "FAIL", message: "GroupCoordinator: Disconnected", now: start) == .log(heldBack: 0))
        #expect(throttle.decide(facility: "FAIL", message: "GroupCoordinator: Disconnected", now: start) == .holdBack)
    }
}
