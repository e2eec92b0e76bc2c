import ArgumentParser
import Foundation
import Logging
import Prometheus
import SalienceConfiguration
import SalienceOperations
import SaliencePipeline
import ServiceLifecycle

/// `salience run`: the streaming pipeline.
struct RunCommand: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "run",
        abstract: "Consume behaviour events, weigh them, and produce weighted samples, checkpoints and model exports.",
        discussion: """
            Settings come from defaults, then --config FILE, then SALIENCE_… environment \
            variables, then flags (`salience config print` shows the result and where each \
            value came from). Topics must exist: the samples and dead-letter topics with at \
            least as many partitions as each input topic (input partition p → output \
            partition p). Serves /metrics, /healthz and /readyz on 127.0.0.1:9464 unless \
            http.enabled is false. Stops cleanly on SIGINT/SIGTERM: drains, checkpoints, \
            commits, leaves the group.
            """
    )

    @OptionGroup var settings: SettingsOptions
    @OptionGroup var kafka: KafkaOptions
    @OptionGroup var pipeline: PipelineOptions
    @OptionGroup var estimator: EstimatorOptions

    func run() async throws {
        let loaded = try settings.load(flags: kafka.settingInputs + pipeline.settingInputs + estimator.settingInputs)
        loaded.bootstrapLogging()
        let logger = Logger(label: "salience.run")
        let registry = PrometheusCollectorRegistry()
        let engine: PipelineEngine
        do {
            engine = try PipelineEngine(
                configuration: loaded.settings.pipeline, logger: logger,
                metricsFactory: PrometheusMetricsFactory.salience(registry: registry)
            )
        } catch let error as PipelineError {
            throw CommandError(error.message)
        }
        try BrokerCheck.reachable(loaded.settings.pipeline.kafka, logger: logger)
        // Graceful shutdown runs in reverse order: the pipeline drains first,
        // and the endpoint answers until it has.
        var services: [any Service] = []
        let operations = loaded.settings.operations
        if operations.enabled {
            services.append(try await OperationsServer.start(
                configuration: operations, registry: registry, weights: engine.weightHistograms,
                probes: .pipeline(engine.health, configuration: operations), logger: logger
            ))
        }
        services.append(PipelineService(engine: engine))
        let group = ServiceGroup(services: services, gracefulShutdownSignals: [.sigterm, .sigint], logger: logger)
        let progress = RunProgress.wanted ? Task { await RunProgress.report(engine) } : nil
        defer { progress?.cancel() }
        try await group.run()
        let statistics = engine.statistics.snapshot
        logger.info("summary", metadata: [
            "salience.events": "\(statistics.eventsIn)", "salience.samples": "\(statistics.samplesOut)",
            "salience.dead_letters": "\(statistics.deadLetters)", "salience.checkpoints": "\(statistics.checkpoints)",
            "salience.checkpoint_bytes": "\(statistics.checkpointBytes)",
            "salience.checkpoint_bytes_per_event": "\(statistics.eventsIn > 0 ? statistics.checkpointBytes / statistics.eventsIn : 0)",
        ])
    }
}

/// The pipeline's topic and checkpoint flags; each names its configuration key.
struct PipelineOptions: ParsableArguments {
    @Option(name: .long, help: "Consumer group id (group; default salience).")
    var group: String?

    @Option(name: .customLong("topic"), help: "Input topic, repeatable (topics; default events).")
    var topics: [String] = []

    @Option(name: .long, help: "Samples topic (samples_topic; default samples).")
    var samplesTopic: String?

    @Option(name: .long, help: "Dead-letter topic (dead_letter_topic; default dead-letters).")
    var deadLetterTopic: String?

    @Option(name: .long, help: "Checkpoint topic (checkpoint_topic; default salience-checkpoints).")
    var checkpointTopic: String?

    @Option(name: .long, help: "Model export topic (models_topic; default salience-models).")
    var modelsTopic: String?

    @Option(name: .long, help: "Also keep checkpoints and model exports in this directory (checkpoint_directory; default: none, topics only).")
    var checkpointDir: String?

    @Option(name: .long, help: "exactly_once, transactional or at_least_once (delivery; default exactly_once).")
    var delivery: String?

    @Option(name: .long, help: "Checkpoint each partition after this many events (checkpoint_every_events; default 100000).")
    var checkpointEvents: String?

    @Option(name: .long, help: "…or after this many seconds of event time (checkpoint_every_event_time; default 1h).")
    var checkpointSeconds: String?

    @Option(name: .long, help: "Consumer session timeout in milliseconds (session_timeout; default 10s).")
    var sessionTimeoutMs: String?

    @Option(name: .long, help: "Port of /metrics, /healthz and /readyz; 0 picks a free one (http.port; default 9464).")
    var httpPort: String?

    var settingInputs: [SettingInput] {
        var inputs: [SettingInput] = []
        func add(_ flag: String, _ path: String, _ value: String?) {
            if let value { inputs.append(.flag(flag, path: path, value)) }
        }
        add("--group", "group", group)
        add("--topic", "topics", topics.isEmpty ? nil : topics.joined(separator: ","))
        add("--samples-topic", "samples_topic", samplesTopic)
        add("--dead-letter-topic", "dead_letter_topic", deadLetterTopic)
        add("--checkpoint-topic", "checkpoint_topic", checkpointTopic)
        add("--models-topic", "models_topic", modelsTopic)
        add("--checkpoint-dir", "checkpoint_directory", checkpointDir)
        add("--delivery", "delivery", delivery)
        add("--checkpoint-events", "checkpoint_every_events", checkpointEvents)
        add("--checkpoint-seconds", "checkpoint_every_event_time", checkpointSeconds.map { "\($0)s" })
        add("--session-timeout-ms", "session_timeout", sessionTimeoutMs.map { "\($0)ms" })
        add("--http-port", "http.port", httpPort)
        return inputs
    }
}
