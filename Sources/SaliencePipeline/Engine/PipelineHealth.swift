import Synchronization

/// What the health endpoints ask of a running pipeline: is its loop turning
/// (liveness), and does it hold partitions and keep up with them (readiness).
public final class PipelineHealth: Sendable {
    public struct Snapshot: Sendable, Equatable {
        /// The loop has started and not stopped.
        public var running = false
        /// Why the loop stopped with an error, if it did.
        public var failure: String?
        /// When the loop last returned from a poll (monotonic clock).
        public var lastTurn: ContinuousClock.Instant?
        /// The member has received an assignment since it joined.
        public var assigned = false
        /// Partitions held.
        public var partitions = 0
        /// Messages behind the high watermarks, summed over the partitions
        /// held; `nil` until every one of them has been fetched once.
        public var lag: Int64?
    }

    private let state = Mutex(Snapshot())

    public init() {}

    public var snapshot: Snapshot { state.withLock { $0 } }

    func update(_ body: (inout Snapshot) -> Void) {
        state.withLock { body(&$0) }
    }
}
