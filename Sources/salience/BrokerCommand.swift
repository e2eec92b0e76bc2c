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
            It speaks the real Kafka protocol on loopback. Topics not created here are \
            auto-created with 4 partitions on first use. It keeps about 5 MiB per \
            partition and has no CreateTopics, no compaction and no transaction markers.
            """
    )

    @Option(name: .long, help: "Number of brokers.")
    var brokers: Int = 3

    @Option(name: .customLong("topic"), help: "A topic to create, as name:partitions (repeatable; default: none, topics are auto-created with 4 partitions on first use).",
            transform: { argument in
                guard let topic = EmbeddedBrokerService.Topic(argument: argument) else {
                    throw ValidationError("--topic expects name:partitions with partitions ≥ 1, got '\(argument)'")
                }
                return topic
            })
    var topics: [EmbeddedBrokerService.Topic] = []

    @Option(name: .long, help: "Also write the bootstrap servers to this file (default: none, standard output only).")
    var bootstrapFile: String?

    func validate() throws {
        guard (1...32).contains(brokers) else { throw ValidationError("--brokers expects 1 to 32, got \(brokers)") }
    }

    func run() async throws {
        let logger = Logger(label: "salience.broker")
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
