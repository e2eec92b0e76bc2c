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

    /// Counts of handled input messages, gathered lock-free on the engine
    /// thread over one polled batch and then added in one step.
    struct HandledInput {
        var eventsIn = 0
        /// By behaviour type's raw value.
        var eventsByType = [Int](repeating: 0, count: BehaviorType.allCases.count)
        var samplesNotKept = 0
        var samplesSuppressed = 0
        var deadLettersSuppressed = 0

        var isEmpty: Bool { eventsIn == 0 }
    }

    /// Adds the counts and zeroes them.
    func publish(_ handled: inout HandledInput) {
        guard !handled.isEmpty else { return }
        state.withLock { snapshot in
            snapshot.eventsIn += handled.eventsIn
            for type in BehaviorType.allCases where handled.eventsByType[Int(type.rawValue)] > 0 {
                snapshot.eventsByType[type, default: 0] += handled.eventsByType[Int(type.rawValue)]
            }
            snapshot.samplesNotKept += handled.samplesNotKept
            snapshot.samplesSuppressed += handled.samplesSuppressed
            snapshot.deadLettersSuppressed += handled.deadLettersSuppressed
        }
        handled = HandledInput()
    }
}
