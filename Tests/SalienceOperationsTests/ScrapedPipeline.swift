import Foundation
import Logging
import Prometheus
import SalienceCore
import SalienceKafka
import SalienceOperations
import SaliencePipeline

/// A pipeline on a fresh one-broker embedded cluster, its metrics and probes
/// served on an ephemeral port: what the scrape tests run against. The input
/// is in the `events` topic and the endpoint serves before the engine runs.
struct ScrapedPipeline {
    let cluster: EmbeddedKafkaCluster
    let engine: PipelineEngine
    let server: OperationsServer
    let serving: Task<Void, any Error>

    /// Creates the pipeline's topics with `partitions` each, produces
    /// `messages` (key, value) into `events`, and starts the endpoint for an
    /// engine with a small estimator, which `configureEstimator` may adjust.
    init(
        partitions: Int32, messages: [(key: [UInt8], value: [UInt8])], group: String,
        operations: OperationsConfiguration, logger: Logger,
        configureEstimator: (inout EstimatorConfiguration) -> Void = { _ in }
    ) async throws {
        cluster = try EmbeddedKafkaCluster(brokers: 1, logger: logger)
        for topic in ["events", "samples", "dead-letters", "checkpoints", "models"] {
            try cluster.createTopic(topic, partitions: partitions)
        }
        let kafka = KafkaClientConfiguration(bootstrapServers: [cluster.bootstrapServers], clientID: "salience-\(group)")
        let producer = try KafkaProducer(configuration: KafkaProducerConfiguration(client: kafka), logger: logger)
        for message in messages {
            try producer.send(KafkaProducerMessage(topic: "events", key: message.key, value: message.value)) { _ in }
        }
        try producer.flush(timeout: .seconds(60))
        producer.close(timeout: .seconds(5))

        var estimator = Self.smallEstimator
        configureEstimator(&estimator)
        let configuration = PipelineConfiguration(
            kafka: kafka, group: "\(group)-\(UUID().uuidString.prefix(8))", samplesTopic: "samples", deadLetterTopic: "dead-letters",
            checkpointTopic: "checkpoints", modelsTopic: "models", threads: 1, sessionTimeout: .seconds(6), estimator: estimator
        )
        let registry = PrometheusCollectorRegistry()
        engine = try PipelineEngine(configuration: configuration, logger: logger, metricsFactory: PrometheusMetricsFactory.salience(registry: registry))
        let server = try await OperationsServer.start(
            configuration: operations, registry: registry, weights: engine.weightHistograms, probes: .pipeline(engine.health, configuration: operations), logger: logger
        )
        self.server = server
        serving = Task { try await server.run() }
    }

    /// The estimator both scrape tests start from: small tables, default components.
    static var smallEstimator: EstimatorConfiguration {
        var estimator = EstimatorConfiguration()
        estimator.sketchEpsilon = 0.01
        estimator.logQBucketBits = 12
        estimator.features.bits = 15
        return estimator
    }

    /// The events as keyed input messages.
    static func messages(_ events: [BehaviorEvent]) -> [(key: [UInt8], value: [UInt8])] {
        events.map { (Array($0.userID.utf8), $0.jsonBytes) }
    }

    /// Stops the endpoint (after the test has stopped the engine).
    func stopServing() async throws {
        serving.cancel()
        try await serving.value
    }
}
