/// What a ``KafkaConsumer`` tells its owner when the group moves partitions.
///
/// Both closures run on the thread that calls ``KafkaConsumer/poll(maxMessages:timeout:)``
/// (or ``KafkaConsumer/close()``), before consumption continues.
public struct KafkaRebalanceHandler: Sendable {
    /// Partitions newly assigned to this member. Return a start offset for any
    /// partition that should not start at the group's committed offset (a
    /// checkpoint's offset, say); partitions left out start at the committed offset.
    public var assigned: @Sendable ([KafkaTopicPartition]) -> [KafkaTopicPartitionOffset]

    /// Partitions taken from this member. The consumer still owns them while
    /// this runs, so it may checkpoint and commit them.
    public var revoked: @Sendable ([KafkaTopicPartition]) -> Void

    /// Whether newly assigned partitions are paused as they are assigned, so
    /// the owner can restore their state after ``KafkaConsumer/poll(maxMessages:timeout:)``
    /// returns — rather than inside the callback — and then
    /// ``KafkaConsumer/seek(_:timeout:)`` and ``KafkaConsumer/resume(_:)``
    /// them. Default: `false`.
    public var pausesAssigned: Bool

    public init(
        assigned: @escaping @Sendable ([KafkaTopicPartition]) -> [KafkaTopicPartitionOffset],
        revoked: @escaping @Sendable ([KafkaTopicPartition]) -> Void,
        pausesAssigned: Bool = false
    ) {
        self.assigned = assigned
        self.revoked = revoked
        self.pausesAssigned = pausesAssigned
    }
}
