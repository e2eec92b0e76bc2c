import Synchronization

/// What the health endpoints ask of a running pipeline: are its loops
/// turning (liveness), and does it hold partitions and keep up with them
/// (readiness). Each engine thread reports as one member; the snapshot is the
/// whole process's.
public final class PipelineHealth: Sendable {
    public struct Snapshot: Sendable, Equatable {
        /// Every engine thread has started and none has stopped.
        public var running = false
        /// Why the pipeline stopped with an error, if it did.
        public var failure: String?
        /// When the loop that turned least recently last returned from a poll
        /// (monotonic clock): one stuck thread makes the process not live.
        public var lastTurn: ContinuousClock.Instant?
        /// Every engine thread has received an assignment (perhaps empty) since it joined.
        public var assigned = false
        /// Partitions held, over all threads.
        public var partitions = 0
        /// Partitions held by each engine thread, in thread order.
        public var partitionsPerThread: [Int] = []
        /// Messages behind the high watermarks, summed over the partitions
        /// held; `nil` until every one of them has been fetched once.
        public var lag: Int64?
    }

    /// One engine thread's part of the snapshot.
    struct Member: Sendable, Equatable {
        var running = false
        var lastTurn: ContinuousClock.Instant?
        var assigned = false
        var partitions = 0
        var lag: Int64?
    }

    private struct State {
        var members: [Member] = [Member()]
        var failure: String?
    }

    private let state = Mutex(State())

    public init() {}

    public var snapshot: Snapshot {
        state.withLock { state in
            var snapshot = Snapshot(failure: state.failure)
            snapshot.running = state.members.allSatisfy(\.running)
            snapshot.assigned = state.members.allSatisfy(\.assigned)
            snapshot.partitionsPerThread = state.members.map(\.partitions)
            snapshot.partitions = snapshot.partitionsPerThread.reduce(0, +)
            snapshot.lastTurn = state.members.compactMap(\.lastTurn).min()
            snapshot.lag = state.members.reduce(Int64(0)) { sum, member in
                guard let sum, member.partitions == 0 || member.lag != nil else { return nil }
                return sum + (member.lag ?? 0)
            }
            return snapshot
        }
    }

    /// Starts a run of `count` engine threads, each reporting as one member.
    func reset(members count: Int) {
        state.withLock { $0 = State(members: Array(repeating: Member(), count: count)) }
    }

    func update(member: Int, _ body: (inout Member) -> Void) {
        state.withLock { body(&$0.members[member]) }
    }

    func fail(_ failure: String) {
        state.withLock { $0.failure = $0.failure ?? failure }
    }
}
