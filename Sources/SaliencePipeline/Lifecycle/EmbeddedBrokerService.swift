import Logging
import SalienceKafka
import ServiceLifecycle

/// Runs librdkafka's embedded cluster as a service: it starts on init, serves
/// until graceful shutdown or cancellation, then stops.
public final class EmbeddedBrokerService: Service, Sendable {
    /// A topic to create at start-up.
    public struct Topic: Hashable, Sendable {
        public var name: String
        public var partitions: Int32

        public init(name: String, partitions: Int32) {
            self.name = name
            self.partitions = partitions
        }

        /// Parses `name:partitions` (partitions default to 4 when left out).
        public init?(argument: String) {
            let parts = argument.split(separator: ":", omittingEmptySubsequences: false)
            guard let name = parts.first, !name.isEmpty, parts.count <= 2 else { return nil }
            if parts.count == 2 {
                guard let partitions = Int32(parts[1]), partitions > 0 else { return nil }
                self.init(name: String(name), partitions: partitions)
            } else {
                self.init(name: String(name), partitions: 4)
            }
        }
    }

    /// The running cluster.
    public let cluster: EmbeddedKafkaCluster
    private let logger: Logger

    /// Starts a cluster of `brokers` brokers holding `topics`.
    public init(brokers: Int, topics: [Topic], logger: Logger) throws {
        cluster = try EmbeddedKafkaCluster(brokers: brokers, logger: logger)
        for topic in topics {
            try cluster.createTopic(topic.name, partitions: topic.partitions)
        }
        self.logger = logger
        logger.info("embedded cluster started", metadata: [
            "salience.bootstrap": "\(cluster.bootstrapServers)",
            "salience.brokers": "\(brokers)",
            "salience.topics": "\(topics.map { "\($0.name):\($0.partitions)" })",
        ])
    }

    public func run() async throws {
        do {
            try await gracefulShutdown()
        } catch is CancellationError {
            // Cancellation ends the service just as graceful shutdown does.
        }
        logger.info("embedded cluster stopping")
    }
}
