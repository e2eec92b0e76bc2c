import SalienceCore
import Synchronization

/// Running counts of a pipeline, safe to read from any thread.
public final class PipelineStatistics: Sendable {
    /// A consistent copy of the counts.
    public struct Snapshot: Sendable, Equatable {
        public var eventsIn = 0
        public var eventsByType: [BehaviorType: Int] = [:]
        public var samplesOut = 0
        public var samplesNotKept = 0
        public var samplesSuppressed = 0
        public var deadLetters = 0
        public var deadLettersByReason: [String: Int] = [:]
        public var deadLettersSuppressed = 0
        public var checkpoints = 0
        public var rebalances = 0
        public var restoredFromCheckpoint = 0
        public var deliveryFailures = 0
        public var assignedPartitions: [String] = []
    }

    private let state = Mutex(Snapshot())

    public init() {}

    public var snapshot: Snapshot { state.withLock { $0 } }

    func update(_ body: (inout Snapshot) -> Void) {
        state.withLock { body(&$0) }
    }
}
