import Foundation
import SalienceTestSupport
import Testing

@Suite(.ownThreads, .timeLimit(.minutes(1)))
struct OwnThreadsTests {
    /// One suite left on the pool holds a pool thread for as long as its
    /// tests run, and every test that starts after it queues: so every suite
    /// of every test target carries the trait.
    @Test func everySuiteRunsOnThreadsOfItsOwn() throws {
        let tests = URL(fileURLWithPath: #filePath).deletingLastPathComponent().deletingLastPathComponent()
        let files = try FileManager.default.subpathsOfDirectory(atPath: tests.path).filter { $0.hasSuffix(".swift") }
        #expect(files.count > 50)
        var unmarked: [String] = []
        for file in files {
            let source = try String(contentsOf: tests.appendingPathComponent(file), encoding: .utf8)
            let lines = source.split(separator: "\n")
            for line in lines where line.hasPrefix("@Suite") && !line.contains(".ownThreads") { unmarked.append("\(file): \(line)") }
            if source.contains("@Test"), !lines.contains(where: { $0.hasPrefix("@Suite") }) { unmarked.append("\(file): tests outside a suite") }
        }
        #expect(unmarked.isEmpty, "\(unmarked)")
    }

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
