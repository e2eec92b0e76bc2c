import ArgumentParser

@main
struct Salience: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "salience",
        abstract: "Streaming sample-importance estimator for recommender training, on Kafka.",
        subcommands: [DemoCommand.self, RunCommand.self, EvaluateCommand.self, ConfigCommand.self, ReplayCommand.self, InspectCommand.self, ImportCommand.self, BrokerCommand.self, RoundTripCommand.self, BenchCommand.self]
    )
}
