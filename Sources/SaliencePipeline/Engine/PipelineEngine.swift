import CoreMetrics
import Foundation
import Logging
import SalienceCore
import SalienceKafka
import Synchronization

/// The streaming pipeline: consumer → decoder → one ``PartitionTask`` per
/// assigned partition → producer, with checkpoints and the configured
/// delivery guarantee. ``run()`` blocks its thread (librdkafka's calls block)
/// until ``requestStop()``; then it drains, checkpoints, commits and leaves
/// the group.
public final class PipelineEngine: Sendable {
    public let configuration: PipelineConfiguration
    /// Counts, readable while it runs.
    public let statistics = PipelineStatistics()
    /// Liveness and readiness, readable while it runs.
    public let health = PipelineHealth()
    private let metrics: PipelineMetrics
    private let logger: Logger
    private let stopRequested = Atomic<Bool>(false)

    /// - Parameter metricsFactory: Where metrics go. Default: the process's
    ///   bootstrapped `MetricsSystem` (nothing, until one is bootstrapped).
    /// - Throws: ``PipelineError`` naming every invalid setting.
    public init(configuration: PipelineConfiguration, logger: Logger, metricsFactory: (any MetricsFactory)? = nil) throws {
        let errors = configuration.validationErrors()
        guard errors.isEmpty else { throw PipelineError(.invalidConfiguration, errors.joined(separator: "; ")) }
        if let directory = configuration.checkpointDirectory { try CheckpointDirectory(path: directory).prepare() }
        self.configuration = configuration
        self.logger = logger
        metrics = PipelineMetrics(factory: metricsFactory ?? MetricsSystem.factory)
    }

    /// Asks ``run()`` to finish: stop fetching, drain, checkpoint, commit, leave.
    public func requestStop() {
        stopRequested.store(true, ordering: .releasing)
    }

    /// Runs until stopped; returns after a clean shutdown.
    ///
    /// - Throws: ``PipelineError`` or ``KafkaError`` when the pipeline cannot
    ///   continue without breaking its guarantee (it stops rather than lose or
    ///   double a sample).
    public func run() throws {
        do {
            let loop = try EngineLoop(configuration: configuration, statistics: statistics, health: health, metrics: metrics, logger: logger)
            try loop.run { self.stopRequested.load(ordering: .acquiring) }
        } catch {
            health.update { $0.failure = "\(error)" }
            throw error
        }
    }
}

/// Why the pipeline stopped or refused to start.
public struct PipelineError: Error, Sendable, CustomStringConvertible {
    public struct Code: RawRepresentable, Hashable, Sendable {
        public let rawValue: String
        public init(rawValue: String) { self.rawValue = rawValue }
        public static let invalidConfiguration = Code(rawValue: "invalid_configuration")
        public static let topicLayout = Code(rawValue: "topic_layout")
        public static let incompatibleCheckpoint = Code(rawValue: "incompatible_checkpoint")
        public static let deliveryFailed = Code(rawValue: "delivery_failed")
    }

    public let code: Code
    public let message: String

    public init(_ code: Code, _ message: String) {
        self.code = code
        self.message = message
    }

    public var description: String { "\(code.rawValue): \(message)" }
}
