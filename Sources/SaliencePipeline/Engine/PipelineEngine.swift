import CoreMetrics
import Foundation
import Logging
import SalienceCore
import SalienceKafka
import Synchronization

/// The streaming pipeline: consumer → decoder → one ``PartitionTask`` per
/// assigned partition → producer, with checkpoints and the configured
/// delivery guarantee, on ``PipelineConfiguration/threads`` engine threads
/// that each join the group as one member. ``run()`` blocks its thread
/// (librdkafka's calls block) until ``requestStop()`` or until one thread
/// fails; then every thread drains, checkpoints, commits and leaves the group.
public final class PipelineEngine: Sendable {
    public let configuration: PipelineConfiguration
    /// Counts, readable while it runs.
    public let statistics = PipelineStatistics()
    /// Liveness and readiness, readable while it runs.
    public let health = PipelineHealth()
    private let metrics: PipelineMetrics
    /// The weight histograms (`salience_weight{component}`), readable while it runs.
    public var weightHistograms: WeightHistograms { metrics.weights }
    private let logger: Logger
    private let stopRequested = Atomic<Bool>(false)
    /// The first error of any engine thread: it stops the others.
    private let firstFailure = Mutex<(any Error)?>(nil)

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
        let threads = configuration.resolvedThreads
        health.reset(members: threads)
        let shouldStop: @Sendable () -> Bool = { self.stopRequested.load(ordering: .acquiring) || self.firstFailure.withLock { $0 != nil } }
        let record: @Sendable (any Error) -> Void = { error in
            self.firstFailure.withLock { $0 = $0 ?? error }
            self.health.fail("\(error)")
        }
        do {
            let layout = try TopicLayout.check(configuration, logger: logger)
            let loops = try (0..<threads).map { member in
                var logger = logger
                if threads > 1 { logger[metadataKey: "salience.thread"] = "\(member)" }
                return try EngineLoop(
                    configuration: configuration, layout: layout, member: member, statistics: statistics,
                    health: health, metrics: metrics, logger: logger
                )
            }
            // One consumer-group member per thread, each owning the partitions
            // the group gives it (as Kafka Streams' stream threads); this thread runs the first.
            let finished = DispatchGroup()
            let barrier = ShutdownBarrier(parties: threads)
            for loop in loops.dropFirst() {
                finished.enter()
                Thread {
                    defer { finished.leave() }
                    do { try loop.run(stopRequested: shouldStop, barrier: barrier) } catch { record(error) }
                }.start()
            }
            do { try loops[0].run(stopRequested: shouldStop, barrier: barrier) } catch { record(error) }
            finished.wait()
        } catch {
            record(error)
        }
        if let failure = firstFailure.withLock({ $0 }) { throw failure }
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
