import ArgumentParser
import SalienceConfiguration
import SalienceKafka

/// Connection flags shared by the commands that talk to Kafka.
struct KafkaOptions: ParsableArguments {
    @Option(name: .long, help: "Bootstrap servers, host:port[,host:port…] (kafka.bootstrap_servers; default localhost:9092).")
    var bootstrap: String?

    @Option(name: .customLong("kafka"), help: "A librdkafka property as key=value (repeatable), e.g. security.protocol=SASL_SSL (default: none).")
    var properties: [String] = []

    func validate() throws {
        for property in properties where !property.contains("=") {
            throw ValidationError("--kafka expects key=value, got '\(property)'")
        }
    }

    /// The flags as settings, for commands that read a configuration.
    var settingInputs: [SettingInput] {
        var inputs: [SettingInput] = []
        if let bootstrap { inputs.append(.flag("--bootstrap", path: "kafka.bootstrap_servers", bootstrap)) }
        for (key, value) in parsedProperties {
            inputs.append(.flag("--kafka \(key)", path: "kafka.\(key)", value))
        }
        return inputs
    }

    /// The flags alone, for commands without a configuration file.
    func clientConfiguration(clientID: String) -> KafkaClientConfiguration {
        KafkaClientConfiguration(
            bootstrapServers: (bootstrap ?? "localhost:9092").split(separator: ",").map(String.init),
            clientID: clientID,
            properties: Dictionary(parsedProperties, uniquingKeysWith: { _, last in last })
        )
    }

    private var parsedProperties: [(String, String)] {
        properties.map { property in
            let parts = property.split(separator: "=", maxSplits: 1, omittingEmptySubsequences: false)
            return (String(parts[0]), parts.count > 1 ? String(parts[1]) : "")
        }
    }
}
