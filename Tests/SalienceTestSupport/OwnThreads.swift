import Foundation
import Testing

/// Runs a suite's tests on threads of their own instead of Swift's
/// cooperative pool.
///
/// The pool has one thread per core (two on the CI machine), and a
/// synchronous test holds its thread until it returns, whether it waits on a
/// broker, an engine or a child process or computes for seconds. Queued
/// behind such tests, the others ran out of their time limits before they
/// had started (a one-second admin test "took" 133.8 s in CI; the core
/// tests alone, 124 s of work, held the pool for the first 64 s of a run).
/// Under this trait each piece of a test's work, up to its next suspension,
/// runs on a new thread, so a test holds only its own thread and shares the
/// cores instead of queueing for them. Apply it to every suite whose tests
/// block on I/O or compute for more than a second.
public struct OwnThreadsTrait: SuiteTrait, TestTrait, TestScoping {
    /// Applies to every test of a suite it marks.
    public var isRecursive: Bool { true }

    public func provideScope(
        for test: Test, testCase: Test.Case?, performing function: @Sendable () async throws -> Void
    ) async throws {
        try await withTaskExecutorPreference(ThreadPerJobExecutor.shared) { try await function() }
    }
}

extension Trait where Self == OwnThreadsTrait {
    /// Runs the tests on threads of their own: see ``OwnThreadsTrait``.
    public static var ownThreads: Self { OwnThreadsTrait() }
}

/// A task executor that starts a thread for every job it is given: a job
/// runs until its task suspends, however long it blocks, without holding a
/// thread any other task needs.
final class ThreadPerJobExecutor: TaskExecutor {
    static let shared = ThreadPerJobExecutor()

    func enqueue(_ job: consuming ExecutorJob) {
        let job = UnownedJob(job)
        let executor = asUnownedTaskExecutor()
        Thread {
            Thread.current.name = "salience.test"  // named from inside: Linux names only the calling thread
            job.runSynchronously(on: executor)
        }.start()
    }
}
