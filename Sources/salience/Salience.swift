import ArgumentParser
import SalienceKafka
import SaliencePipeline

@main
struct Salience: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "salience",
        abstract: "Streaming sample-importance estimator for recommender training, on Kafka.",
        version: "salience \(SalienceVersion.current) (librdkafka \(KafkaLibrary.version))",
        subcommands: [DemoCommand.self, RunCommand.self, EvaluateCommand.self, ConfigCommand.self, ReplayCommand.self, InspectCommand.self, ImportCommand.self, BrokerCommand.self, RoundTripCommand.self, BenchCommand.self, TopicsCommand.self]
    )

    /// Runs the command; a failure reaches the user as one sentence (``CommandError/presentable(_:)``).
    static func main() async {
        do {
            var command = try parseAsRoot()
            if var command = command as? any AsyncParsableCommand {
                try await command.run()
            } else {
                try command.run()
            }
        } catch {
            exit(withError: CommandError.presentable(error))
        }
    }
}
