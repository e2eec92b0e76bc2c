/// Settings of a ``KafkaConsumer``.
public struct KafkaConsumerConfiguration: Sendable, Equatable {
    /// Where a partition without a committed offset starts.
    public enum OffsetReset: String, Sendable, Equatable, CaseIterable {
        /// The oldest retained message.
        case earliest
        /// Only messages produced after the assignment.
        case latest
        /// Fail with an error instead of guessing.
        case error
    }

    /// Which messages a consumer reads from transactional producers.
    public enum IsolationLevel: String, Sendable, Equatable {
        /// Only messages of committed transactions (and non-transactional ones).
        case readCommitted = "read_committed"
        /// Every message, aborted transactions included.
        case readUncommitted = "read_uncommitted"
    }

    /// Common client settings.
    public var client: KafkaClientConfiguration

    /// The consumer group; required to subscribe or commit, not to assign by
    /// hand. Without one, the consumer can only read partitions it assigns.
    /// Default: `nil`.
    public var groupID: String?

    /// Where a partition without a committed offset starts.
    /// Default: `.earliest`.
    public var offsetReset: OffsetReset

    /// How long the group waits for a silent member before rebalancing.
    /// Default: 10 seconds.
    public var sessionTimeout: Duration

    /// How often the member heartbeats to the coordinator.
    /// Default: 1 second.
    public var heartbeatInterval: Duration

    /// Which messages of transactional producers are visible.
    /// Default: `.readCommitted`.
    public var isolationLevel: IsolationLevel

    /// Offsets are committed only by explicit calls; librdkafka never commits on
    /// its own. Set to `true` for librdkafka's periodic auto-commit.
    /// Default: `false`.
    public var autoCommit: Bool

    /// Whether reaching the end of a partition is reported to the caller
    /// (``KafkaConsumer/poll(maxMessages:timeout:)`` returns an end marker).
    /// Default: `false`.
    public var reportEndOfPartition: Bool

    public init(
        client: KafkaClientConfiguration = KafkaClientConfiguration(),
        groupID: String? = nil,
        offsetReset: OffsetReset = .earliest,
        sessionTimeout: Duration = .seconds(10),
        heartbeatInterval: Duration = .seconds(1),
        isolationLevel: IsolationLevel = .readCommitted,
        autoCommit: Bool = false,
        reportEndOfPartition: Bool = false
    ) {
        self.client = client
        self.groupID = groupID
        self.offsetReset = offsetReset
        self.sessionTimeout = sessionTimeout
        self.heartbeatInterval = heartbeatInterval
        self.isolationLevel = isolationLevel
        self.autoCommit = autoCommit
        self.reportEndOfPartition = reportEndOfPartition
    }

    /// All settings as librdkafka properties, raw properties last.
    var librdkafkaProperties: [String: String] {
        var properties = client.librdkafkaProperties
        // librdkafka's consumer needs a group id even to assign by hand; a
        // consumer that never subscribes never joins or commits to it.
        properties["group.id"] = groupID ?? "salience-unjoined"
        properties["auto.offset.reset"] = offsetReset.rawValue
        properties["session.timeout.ms"] = String(sessionTimeout.milliseconds)
        properties["heartbeat.interval.ms"] = String(heartbeatInterval.milliseconds)
        properties["isolation.level"] = isolationLevel.rawValue
        properties["enable.auto.commit"] = String(autoCommit)
        properties["enable.auto.offset.store"] = "false"
        properties["enable.partition.eof"] = String(reportEndOfPartition)
        properties.merge(client.properties) { _, raw in raw }
        return properties
    }
}
