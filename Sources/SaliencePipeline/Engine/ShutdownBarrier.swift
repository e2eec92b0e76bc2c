import Foundation
import Synchronization

/// Where the engine threads meet on a clean stop: each has written its final
/// checkpoints and committed before any leaves the group, since the first to
/// leave starts a rebalance that would refuse the others' commits.
final class ShutdownBarrier: Sendable {
    private let parties: Int
    private let arrived = Atomic<Int>(0)

    init(parties: Int) {
        self.parties = parties
    }

    /// Counts this thread in without waiting (a failed thread that will not drain).
    func arrive() {
        arrived.add(1, ordering: .releasing)
    }

    /// Counts this thread in and waits until every thread is, or `timeout` passes.
    func arriveAndWait(timeout: Duration) {
        arrive()
        let deadline = ContinuousClock.now + timeout
        while arrived.load(ordering: .acquiring) < parties, ContinuousClock.now < deadline {
            Thread.sleep(forTimeInterval: 0.005)
        }
    }
}
