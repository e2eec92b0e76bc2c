import SalienceKafka

/// Where a replay starts in each partition.
public enum ReplayStart: Sendable, Equatable {
    /// The oldest retained message.
    case earliest
    /// The first message at or after this time (epoch ms), found with the
    /// broker's time lookup or, where the broker cannot answer, a search by
    /// the messages' own timestamps.
    case time(Int64)
    /// Explicit offsets; partitions left out start at the earliest.
    case offsets([KafkaTopicPartition: Int64])
}

/// Where a replay ends in each partition (exclusive).
public enum ReplayEnd: Sendable, Equatable {
    /// The high watermarks when the replay starts.
    case end
    /// The first message at or after this time (epoch ms) is not replayed.
    case time(Int64)
}

/// One partition's bounded range.
public struct ReplayPartitionRange: Sendable, Equatable {
    public var partition: KafkaTopicPartition
    public var start: Int64
    public var end: Int64

    public var count: Int64 { max(0, end - start) }
}
