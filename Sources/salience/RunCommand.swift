import ArgumentParser
import Foundation
import Logging
import SalienceCore
import SalienceKafka
import SaliencePipeline
import ServiceLifecycle

/// `salience run`: the streaming pipeline.
struct RunCommand: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "run",
        abstract: "Consume behaviour events, weigh them, and produce weighted samples, checkpoints and model exports.",
        discussion: """
            Topics must exist: the samples and dead-letter topics with at least as many \
            partitions as each input topic (input partition p → output partition p). \
            Stops cleanly on SIGINT/SIGTERM: drains, checkpoints, commits, leaves the group.
            """
    )

    @OptionGroup var kafka: KafkaOptions

    @Option(name: .long, help: "Consumer group id.")
    var group: String = "salience"

    @Option(name: .customLong("topic"), help: "Input topic (repeatable).")
    var topics: [String] = ["events"]

    @Option(name: .long, help: "Samples topic.")
    var samplesTopic: String = "samples"

    @Option(name: .long, help: "Dead-letter topic.")
    var deadLetterTopic: String = "dead-letters"

    @Option(name: .long, help: "Checkpoint topic.")
    var checkpointTopic: String = "salience-checkpoints"

    @Option(name: .long, help: "Model export topic.")
    var modelsTopic: String = "salience-models"

    @Option(name: .long, help: "Also keep checkpoints and model exports in this directory.")
    var checkpointDir: String?

    @Option(name: .long, help: "exactly_once, transactional or at_least_once.")
    var delivery: DeliveryModeArgument = .init(.exactlyOnce)

    @Option(name: .long, help: "Checkpoint each partition after this many events.")
    var checkpointEvents: Int = 100_000

    @Option(name: .long, help: "…or after this many seconds of event time.")
    var checkpointSeconds: Int = 3600

    @Option(name: .long, help: "Consumer session timeout in milliseconds.")
    var sessionTimeoutMs: Int = 10_000

    @OptionGroup var estimator: EstimatorOptions

    func run() async throws {
        let logger = Logger(label: "salience.run")
        var configuration = PipelineConfiguration()
        configuration.kafka = kafka.clientConfiguration(clientID: "salience-\(group)")
        configuration.group = group
        configuration.inputTopics = topics
        configuration.samplesTopic = samplesTopic
        configuration.deadLetterTopic = deadLetterTopic
        configuration.checkpointTopic = checkpointTopic
        configuration.modelsTopic = modelsTopic
        configuration.checkpointDirectory = checkpointDir
        configuration.delivery = delivery.mode
        configuration.checkpointEveryEvents = checkpointEvents
        configuration.checkpointEveryEventTime = .seconds(checkpointSeconds)
        configuration.sessionTimeout = .milliseconds(sessionTimeoutMs)
        configuration.estimator = try estimator.configuration()
        let engine: PipelineEngine
        do {
            engine = try PipelineEngine(configuration: configuration, logger: logger)
        } catch let error as PipelineError {
            throw ValidationError(error.message)
        }
        let group = ServiceGroup(
            services: [PipelineService(engine: engine)],
            gracefulShutdownSignals: [.sigterm, .sigint],
            logger: logger
        )
        try await group.run()
        let statistics = engine.statistics.snapshot
        logger.info("summary", metadata: [
            "salience.events": "\(statistics.eventsIn)", "salience.samples": "\(statistics.samplesOut)",
            "salience.dead_letters": "\(statistics.deadLetters)", "salience.checkpoints": "\(statistics.checkpoints)",
        ])
    }
}

/// A delivery mode as a command-line value.
struct DeliveryModeArgument: ExpressibleByArgument {
    let mode: DeliveryMode

    init(_ mode: DeliveryMode) { self.mode = mode }

    init?(argument: String) {
        guard let mode = DeliveryMode(rawValue: argument) else { return nil }
        self.mode = mode
    }

    static var allValueStrings: [String] { DeliveryMode.allCases.map(\.rawValue) }
    var defaultValueDescription: String { mode.rawValue }
}
