/// A topic as the brokers describe it.
public struct KafkaTopicDescription: Hashable, Sendable {
    public var name: String
    public var partitions: [KafkaPartitionDescription]

    public init(name: String, partitions: [KafkaPartitionDescription]) {
        self.name = name
        self.partitions = partitions
    }
}

/// A partition as the brokers describe it.
public struct KafkaPartitionDescription: Hashable, Sendable {
    public var id: Int32
    /// The leader's broker id.
    public var leader: Int32
    /// Broker ids holding a replica.
    public var replicas: [Int32]

    public init(id: Int32, leader: Int32, replicas: [Int32]) {
        self.id = id
        self.leader = leader
        self.replicas = replicas
    }
}
