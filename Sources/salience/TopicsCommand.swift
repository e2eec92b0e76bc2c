import ArgumentParser
import Logging
import SalienceKafka
import SaliencePipeline

/// `salience topics`: creates the topics a pipeline configuration needs.
struct TopicsCommand: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "topics",
        abstract: "Create the topics `salience run` needs, with the partitions and policies it expects.",
        discussion: """
            Reads the same settings as `salience run` (--config, SALIENCE_… variables, flags). \
            Creates what is missing, through the broker's CreateTopics: an input topic with \
            --partitions; the samples and dead-letter topics with as many partitions as the \
            largest input (input partition p writes to output partition p); the checkpoint \
            topic compacted (cleanup.policy=compact: it keeps each generation's newest parts); \
            the models topic. Existing topics are left as they are, and an output with fewer \
            partitions than an input is reported (exit status 1), as `salience run` would refuse \
            it. The embedded broker (`salience broker`) cannot create topics: its --topic \
            creates them.
            """
    )

    @OptionGroup var settings: SettingsOptions
    @OptionGroup var kafka: KafkaOptions
    @OptionGroup var pipeline: PipelineOptions

    @Option(name: .long, help: "Partitions of an input topic that does not exist yet (default 16).")
    var partitions: Int32 = 16

    @Option(name: .long, help: "Replication factor of the topics created; -1 takes the broker's default.replication.factor (default -1).")
    var replicationFactor: Int32 = -1

    @Flag(name: .long, help: "Print what would be created, and create nothing.")
    var dryRun = false

    func validate() throws {
        guard (1...100_000).contains(partitions) else { throw ValidationError("--partitions expects 1 to 100000, got \(partitions)") }
        guard replicationFactor == -1 || (1...100).contains(replicationFactor) else {
            throw ValidationError("--replication-factor expects -1 (the broker's default) or 1 to 100, got \(replicationFactor)")
        }
    }

    func run() throws {
        let loaded = try settings.load(flags: kafka.settingInputs + pipeline.settingInputs)
        loaded.bootstrapLogging()
        let logger = Logger(label: "salience.topics")
        let configuration = loaded.settings.pipeline
        try BrokerCheck.reachable(configuration.kafka, logger: logger)
        let admin = try KafkaAdmin(configuration: configuration.kafka, logger: logger)
        let existing = Dictionary(
            try admin.listTopics(timeout: .seconds(15)).map { ($0.name, Int32($0.partitions.count)) },
            uniquingKeysWith: { first, _ in first }
        )
        let plan = TopicPlan(for: configuration, existing: existing, inputPartitions: partitions, replicationFactor: replicationFactor)
        if !plan.create.isEmpty, !dryRun {
            do {
                try admin.createTopics(plan.create, timeout: .seconds(30))
            } catch let error as KafkaError where error.code == .unsupportedFeature {
                throw CommandError(
                    "this broker cannot create topics (\(error.name)): librdkafka's embedded broker has no CreateTopics, and `salience broker --topic NAME:PARTITIONS` creates them"
                )
            }
        }
        let verb = dryRun ? "would create" : "created"
        for topic in plan.create {
            let policy = topic.configs["cleanup.policy"].map { ", cleanup.policy=\($0)" } ?? ""
            let replication = topic.replicationFactor == -1 ? "the broker's default replication" : "replication \(topic.replicationFactor)"
            print("\(verb) \(topic.name): \(topic.partitions) partitions, \(replication)\(policy)")
        }
        for name in configuration.inputTopics + configuration.outputTopics where !plan.create.contains(where: { $0.name == name }) {
            print("exists \(name): \(plan.existing[name]!) partitions")
        }
        if !plan.problems.isEmpty { throw CommandError(plan.problems.joined(separator: "; ")) }
    }
}
