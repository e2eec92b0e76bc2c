import SalienceKafka

/// What `salience topics` creates for a pipeline configuration, given the
/// topics a cluster already has: the input topics (when missing, with the
/// partitions asked for), the samples and dead-letter topics with as many
/// partitions as the largest input (they are co-partitioned with it), the
/// checkpoint topic compacted (keys name each generation's parts, so
/// compaction keeps the newest: the changelog, docs/delivery.md) and the
/// models topic. Existing topics are left as they are; an existing output
/// with fewer partitions than an input is a problem to report, as
/// `salience run` refuses to start on it.
///
/// Pure: it reads the existing partition counts it is given, so it is
/// tested without a broker.
public struct TopicPlan: Sendable, Equatable {
    /// Topics to create, in the configuration's order: inputs, samples, dead letters, checkpoints, models.
    public var create: [KafkaTopicSpecification]
    /// Topics that exist, with their partition counts.
    public var existing: [String: Int32]
    /// Why the layout cannot serve the configuration (each a sentence naming the topics); empty when it can.
    public var problems: [String]

    /// The plan for `configuration` on a cluster holding `existing` topics
    /// (name → partitions); a missing input gets `inputPartitions`, every
    /// new topic `replicationFactor` (-1: the broker's default).
    public init(
        for configuration: PipelineConfiguration, existing: [String: Int32], inputPartitions: Int32, replicationFactor: Int32
    ) {
        self.existing = existing
        create = []
        problems = []
        func add(_ name: String, partitions: Int32, configs: [String: String] = [:]) {
            guard existing[name] == nil, !create.contains(where: { $0.name == name }) else { return }
            create.append(KafkaTopicSpecification(name: name, partitions: partitions, replicationFactor: replicationFactor, configs: configs))
        }
        for input in configuration.inputTopics { add(input, partitions: inputPartitions) }
        let widest = configuration.inputTopics.map { existing[$0] ?? inputPartitions }.max() ?? inputPartitions
        add(configuration.samplesTopic, partitions: widest)
        add(configuration.deadLetterTopic, partitions: widest)
        add(configuration.checkpointTopic, partitions: widest, configs: ["cleanup.policy": "compact"])
        add(configuration.modelsTopic, partitions: widest)
        // The same rule `salience run` applies at start-up, to the topics as they will be.
        var planned = existing
        for topic in create { planned[topic.name] = topic.partitions }
        problems = configuration.narrowOutputs(planned)
    }
}
