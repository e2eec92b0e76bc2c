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
        /// Bytes of the checkpoints written (as stored: compressed, parts
        /// and manifests), for checkpoint bytes per input event.
        public var checkpointBytes = 0
        /// Of ``checkpoints``, those that wrote a full state (the others a change set).
        public var fullCheckpoints = 0
        /// Of ``checkpointBytes``, those of full checkpoints.
        public var fullCheckpointBytes = 0
        /// Checkpoints the checkpoint topic had already evicted (in part) once written: they cannot be restored.
        public var checkpointsEvicted = 0
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

    /// Adds what an engine thread handled.
    func publish(_ handled: HandledCounts) {
        guard !handled.isEmpty else { return }
        state.withLock { snapshot in
            snapshot.eventsIn += handled.messages
            for type in BehaviorType.allCases where handled.eventsByType[Int(type.rawValue)] > 0 {
                snapshot.eventsByType[type, default: 0] += handled.eventsByType[Int(type.rawValue)]
            }
            snapshot.samplesNotKept += handled.samplesNotKept
            snapshot.samplesSuppressed += handled.samplesSuppressed
            snapshot.deadLettersSuppressed += handled.deadLettersSuppressed
        }
    }
}
