/// A topic to create.
public struct KafkaTopicSpecification: Hashable, Sendable {
    public var name: String
    /// Default: 1.
    public var partitions: Int32
    /// Default: 1.
    public var replicationFactor: Int32
    /// Topic configuration, e.g. `["cleanup.policy": "compact"]`.
    /// Default: empty.
    public var configs: [String: String]

    public init(name: String, partitions: Int32 = 1, replicationFactor: Int32 = 1, configs: [String: String] = [:]) {
        self.name = name
        self.partitions = partitions
        self.replicationFactor = replicationFactor
        self.configs = configs
    }
}
