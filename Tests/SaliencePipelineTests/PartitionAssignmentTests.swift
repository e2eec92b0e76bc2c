@testable import SaliencePipeline
import SalienceKafka
import SalienceTestSupport
import Testing

/// The engine thread's partition states without a broker: assigned →
/// suppressing → live → revoking, and the transitions it refuses.
@Suite(.ownThreads) struct PartitionAssignmentTests {
    let zero = KafkaTopicPartition(topic: "events", partition: 0)
    let one = KafkaTopicPartition(topic: "events", partition: 1)

    /// A restored partition whose output reaches past its checkpoint
    /// suppresses until the input passes that offset, then is live; one
    /// with nothing written beyond its checkpoint is live at once; messages
    /// count only once restored.
    @Test func aPartitionSuppressesUntilPastWhatWasWrittenThenIsLive() throws {
        var assignment = PartitionAssignment()
        try assignment.assign([zero, one])
        #expect(assignment.count(.assigned) == 2)
        #expect(!assignment.accepts(zero), "not before it is restored")
        try assignment.restored(zero, writtenThrough: 41)
        try assignment.restored(one, writtenThrough: nil)
        #expect(assignment.phases == [zero: .suppressing, one: .live])
        #expect(assignment.accepts(zero) && assignment.accepts(one))
        let before = assignment.handled(zero, offset: 40)
        #expect(!before && assignment.phases[zero] == .suppressing)
        let at = assignment.handled(zero, offset: 41)
        #expect(at && assignment.phases[zero] == .live, "turns live at the last offset already written")
        let after = assignment.handled(zero, offset: 42)
        #expect(!after)
    }

    /// Revoked partitions stop accepting messages (a batch fetched before the
    /// revocation is dropped), and once released they can be assigned again.
    @Test func aRevokedPartitionIsDroppedAndCanComeBack() throws {
        var assignment = PartitionAssignment()
        try assignment.assign([zero, one])
        try assignment.restored(zero, writtenThrough: nil)
        try assignment.restored(one, writtenThrough: 5)
        try assignment.revoke([zero, one])
        #expect(assignment.count(.revoking) == 2)
        #expect(!assignment.accepts(zero) && !assignment.accepts(one))
        let revoking = assignment.handled(one, offset: 9)
        #expect(!revoking, "a revoking partition does not turn live")
        try assignment.released([zero, one])
        #expect(assignment.phases.isEmpty)
        try assignment.assign([one])
        #expect(assignment.phases == [one: .assigned])
    }

    /// Transitions the states do not allow are refused, naming the partition
    /// and the state it is in; the states are left as they were.
    @Test func transitionsOutOfOrderAreRefused() throws {
        var assignment = PartitionAssignment()
        let unassigned = #expect(throws: PartitionAssignment.InvalidTransition.self) { try assignment.restored(zero, writtenThrough: nil) }
        #expect(unassigned?.description == "events/0: cannot finish restoring a partition that is not assigned")
        try assignment.assign([zero])
        let twice = #expect(throws: PartitionAssignment.InvalidTransition.self) { try assignment.assign([one, zero]) }
        #expect(twice?.description == "events/0: cannot assign a partition that is assigned")
        #expect(assignment.phases == [zero: .assigned], "nothing of the refused assignment is taken")
        #expect(throws: PartitionAssignment.InvalidTransition.self) { try assignment.revoke([one]) }
        #expect(throws: PartitionAssignment.InvalidTransition.self) { try assignment.released([zero]) }
        try assignment.restored(zero, writtenThrough: nil)
        #expect(throws: PartitionAssignment.InvalidTransition.self) { try assignment.restored(zero, writtenThrough: nil) }
        try assignment.revoke([zero])
        let again = #expect(throws: PartitionAssignment.InvalidTransition.self) { try assignment.revoke([zero]) }
        #expect(again?.description == "events/0: cannot revoke a partition that is revoking")
    }

    /// Assigned partitions wait, in order, for the loop to restore them after
    /// the poll; one revoked before that is abandoned (never revoked: it has
    /// nothing to checkpoint), and can be assigned again.
    @Test func assignedPartitionsAwaitTheirRestoreAndCanBeAbandoned() throws {
        var assignment = PartitionAssignment()
        try assignment.assign([one, zero])
        #expect(assignment.awaitingRestore == [one, zero])
        let unrestored = #expect(throws: PartitionAssignment.InvalidTransition.self) { try assignment.revoke([zero]) }
        #expect(unrestored?.description == "events/0: cannot revoke a partition that is assigned")
        try assignment.restored(one, writtenThrough: nil)
        #expect(assignment.awaitingRestore == [zero])
        try assignment.abandon(zero)
        #expect(assignment.awaitingRestore.isEmpty)
        #expect(assignment.phases == [one: .live])
        let live = #expect(throws: PartitionAssignment.InvalidTransition.self) { try assignment.abandon(one) }
        #expect(live?.description == "events/1: cannot abandon a partition that is live")
        try assignment.assign([zero])
        #expect(assignment.awaitingRestore == [zero])
    }
}
