import Foundation
import SalienceTestSupport
import Testing

@Suite(.ownThreads, .timeLimit(.minutes(1)))
struct OwnThreadsTests {
    @Test func aSynchronousTestRunsOnAThreadOfItsOwn() {
        #expect(Thread.current.name == "salience.test")
    }

    /// More tests than the machine has cores block at once and all of them
    /// finish: on the cooperative pool (one thread per core) the later ones
    /// would wait for the earlier ones' threads and never meet.
    @Test func moreBlockingTasksThanCoresRunAtOnce() async {
        let parties = ProcessInfo.processInfo.activeProcessorCount + 2
        let arrived = Locked(0)
        let met = await withTaskGroup(of: Bool.self) { group in
            for _ in 0..<parties {
                group.addTask {
                    arrived.withLock { $0 += 1 }
                    let deadline = ContinuousClock.now + .seconds(20)
                    while arrived.value < parties, ContinuousClock.now < deadline {
                        usleep(1_000)  // blocks its thread, as a broker call does
                    }
                    return arrived.value == parties
                }
            }
            return await group.allSatisfy { $0 }
        }
        #expect(met)
    }
}
