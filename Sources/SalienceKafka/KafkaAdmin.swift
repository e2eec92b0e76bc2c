import Logging

/// Creates, lists and describes topics.
public final class KafkaAdmin: Sendable {
    private let client: RDKafkaClient

    /// - Throws: ``KafkaError`` naming the first property librdkafka rejects.
    public init(configuration: KafkaClientConfiguration, logger: Logger) throws {
        var properties = configuration.librdkafkaProperties
        properties.merge(configuration.properties) { _, raw in raw }
        client = try RDKafkaClient(kind: .producer, properties: properties, context: RDKafkaClientContext(logger: logger))
    }

    /// Creates topics and waits for the controller's answer.
    ///
    /// - Throws: ``KafkaError``; its code is ``KafkaError/Code/unsupportedFeature``
    ///   with the message "not supported by this broker" when the cluster has no
    ///   CreateTopics API (librdkafka's embedded cluster), and
    ///   ``KafkaError/Code/topicAlreadyExists`` when a topic exists.
    public func createTopics(_ topics: [KafkaTopicSpecification], timeout: Duration) throws {
        try client.requireAdminAPI(timeout: timeout)
        try client.createTopics(topics, timeout: timeout)
    }

    /// Every topic in the cluster, sorted by name.
    public func listTopics(timeout: Duration) throws -> [KafkaTopicDescription] {
        try client.metadata(topic: nil, timeout: timeout)
    }

    /// One topic's partitions, leaders and replicas.
    public func describeTopic(_ name: String, timeout: Duration) throws -> KafkaTopicDescription {
        guard let topic = try listTopics(timeout: timeout).first(where: { $0.name == name }) else {
            throw KafkaError(code: .unknownTopicOrPartition, name: "UNKNOWN_TOPIC_OR_PART",
                             message: "topic '\(name)' does not exist", severity: .permanent)
        }
        return topic
    }
}
