import ArgumentParser
import Foundation
import Logging
import SaliencePipeline
import ServiceLifecycle

/// `salience broker`: librdkafka's embedded cluster until SIGINT/SIGTERM.
struct BrokerCommand: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "broker",
        abstract: "Run an embedded Kafka cluster (librdkafka's mock cluster) until SIGINT or SIGTERM.",
        discussion: """
            It speaks the real Kafka protocol on loopback. Without --topic it creates the \
            topics `salience run` uses by default (\(BrokerCommand.defaultTopics.joined(separator: ", "))) with \
            \(BrokerCommand.defaultPartitions) partitions each; other topics are auto-created with 4 partitions on \
            first use. It keeps only about 5 MiB per partition (older messages are dropped, \
            so more partitions hold more) and has no CreateTopics, no compaction and no \
            transaction markers.
            """
    )

    @Option(name: .long, help: "Number of brokers.")
    var brokers: Int = 3

    @Option(name: .customLong("topic"), help: "A topic to create, as name:partitions (repeatable; default: the pipeline's five topics with 16 partitions each).",
            transform: { argument in
                guard let topic = EmbeddedBrokerService.Topic(argument: argument) else {
                    throw ValidationError("--topic expects name:partitions with partitions ≥ 1, got '\(argument)'")
                }
                return topic
            })
    var topics: [EmbeddedBrokerService.Topic] = []

    @Option(name: .long, help: "Also write the bootstrap servers to this file (default: none, standard output only).")
    var bootstrapFile: String?

    /// The topics `salience run` reads and writes with its default settings.
    static let defaultTopics = ["events", "samples", "dead-letters", "salience-checkpoints", "salience-models"]
    /// Partitions of each default topic: at about 5 MiB kept per partition,
    /// 16 hold 80 MiB a topic (a whole real Taobao sample file's samples).
    static let defaultPartitions: Int32 = 16

    func validate() throws {
        guard (1...32).contains(brokers) else { throw ValidationError("--brokers expects 1 to 32, got \(brokers)") }
    }

    func run() async throws {
        let logger = Logger(label: "salience.broker")
        let topics = self.topics.isEmpty
            ? Self.defaultTopics.map { EmbeddedBrokerService.Topic(name: $0, partitions: Self.defaultPartitions) } : self.topics
        let service = try EmbeddedBrokerService(brokers: brokers, topics: topics, logger: logger)
        let bootstrap = service.cluster.bootstrapServers
        if let bootstrapFile {
            try Data((bootstrap + "\n").utf8).write(to: URL(fileURLWithPath: bootstrapFile), options: .atomic)
        }
        // Written unbuffered so a parent process reading a pipe sees it at once.
        FileHandle.standardOutput.write(Data((bootstrap + "\n").utf8))
        let group = ServiceGroup(
            services: [service],
            gracefulShutdownSignals: [.sigterm, .sigint],
            logger: logger
        )
        try await group.run()
    }
}
