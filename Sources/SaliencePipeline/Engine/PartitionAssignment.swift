import SalienceKafka

/// Where each partition of one engine thread stands, as explicit state:
///
/// ```
/// assigned ──restored──▶ suppressing ──input passes what was written──▶ live
///    │                      │                                            │
///    │                      └──────────────revoked──────▶ revoking ◀─────┘
///    └──revoked before restored──▶ (given up)
/// ```
///
/// `assigned` lasts from the assignment (the partition paused) until the
/// loop has restored it after the poll that assigned it; `suppressing`
/// (exactly-once only) while the partition re-reads input whose samples or
/// dead letters are already in the output, so nothing is written twice;
/// `revoking` while its last checkpoint is written. The loop asks it what a
/// message is for and tells it what happened; a transition from a state that
/// does not allow it is refused with the partition and both states named.
/// Pure: no Kafka calls, no clock.
struct PartitionAssignment {
    /// A partition's state.
    enum Phase: String, Sendable, CaseIterable {
        case assigned
        case suppressing
        case live
        case revoking
    }

    /// A transition the state does not allow: a bug in the caller, or a
    /// client handing out what it was not asked for.
    struct InvalidTransition: Error, Equatable, CustomStringConvertible {
        let partition: KafkaTopicPartition
        let from: Phase?
        let event: String

        var description: String {
            "\(partition): cannot \(event) a partition that is \(from.map(\.rawValue) ?? "not assigned")"
        }
    }

    private(set) var phases: [KafkaTopicPartition: Phase] = [:]
    /// Suppressing partitions: the last input offset whose output was already written.
    private var suppressedThrough: [KafkaTopicPartition: Int64] = [:]
    /// Partitions assigned and not yet restored, in assignment order: what
    /// the loop restores after the poll that assigned them.
    private(set) var awaitingRestore: [KafkaTopicPartition] = []

    /// Partitions in `phase`.
    func count(_ phase: Phase) -> Int { phases.values.reduce(0) { $0 + ($1 == phase ? 1 : 0) } }

    /// The group assigned `partitions`: each must not be held already.
    mutating func assign(_ partitions: [KafkaTopicPartition]) throws(InvalidTransition) {
        for partition in partitions where phases[partition] != nil {
            throw InvalidTransition(partition: partition, from: phases[partition], event: "assign")
        }
        for partition in partitions { phases[partition] = .assigned }
        awaitingRestore += partitions
    }

    /// `partition` is restored; input up to `writtenThrough` (if any) already
    /// has its output written, so the partition suppresses until past it.
    mutating func restored(_ partition: KafkaTopicPartition, writtenThrough: Int64?) throws(InvalidTransition) {
        guard phases[partition] == .assigned else {
            throw InvalidTransition(partition: partition, from: phases[partition], event: "finish restoring")
        }
        awaitingRestore.removeAll { $0 == partition }
        if let writtenThrough, writtenThrough >= 0 {
            phases[partition] = .suppressing
            suppressedThrough[partition] = writtenThrough
        } else {
            phases[partition] = .live
        }
    }

    /// Whether a message of `partition` is to be handled (it is suppressing
    /// or live); messages of other partitions are dropped, as a consumer may
    /// still hand out a batch fetched before a revocation.
    func accepts(_ partition: KafkaTopicPartition) -> Bool {
        phases[partition] == .suppressing || phases[partition] == .live
    }

    /// The message at `offset` of `partition` was handled: a suppressing
    /// partition turns live once past what was already written. Returns
    /// whether it just did.
    @discardableResult
    mutating func handled(_ partition: KafkaTopicPartition, offset: Int64) -> Bool {
        guard phases[partition] == .suppressing, let through = suppressedThrough[partition], offset >= through else { return false }
        phases[partition] = .live
        suppressedThrough[partition] = nil
        return true
    }

    /// The group took back `partition` before it was restored: it is given
    /// up at once (nothing of it was handled, so there is nothing to checkpoint).
    mutating func abandon(_ partition: KafkaTopicPartition) throws(InvalidTransition) {
        guard phases[partition] == .assigned else {
            throw InvalidTransition(partition: partition, from: phases[partition], event: "abandon")
        }
        phases[partition] = nil
        awaitingRestore.removeAll { $0 == partition }
    }

    /// The group is taking `partitions` back: each must be held and restored
    /// (an unrestored one is ``abandon(_:)``ed instead).
    mutating func revoke(_ partitions: [KafkaTopicPartition]) throws(InvalidTransition) {
        for partition in partitions where phases[partition] == nil || phases[partition] == .revoking || phases[partition] == .assigned {
            throw InvalidTransition(partition: partition, from: phases[partition], event: "revoke")
        }
        for partition in partitions { phases[partition] = .revoking }
    }

    /// The revoked `partitions` are checkpointed and given up.
    mutating func released(_ partitions: [KafkaTopicPartition]) throws(InvalidTransition) {
        for partition in partitions where phases[partition] != .revoking {
            throw InvalidTransition(partition: partition, from: phases[partition], event: "release")
        }
        for partition in partitions {
            phases[partition] = nil
            suppressedThrough[partition] = nil
        }
    }
}
