import ArgumentParser
import SalienceKafka

/// Connection flags shared by the commands that talk to Kafka.
struct KafkaOptions: ParsableArguments {
    @Option(name: .long, help: "Bootstrap servers, host:port[,host:port…].")
    var bootstrap: String = "localhost:9092"

    @Option(name: .customLong("kafka"), help: "A librdkafka property as key=value (repeatable), e.g. security.protocol=SASL_SSL.")
    var properties: [String] = []

    func validate() throws {
        for property in properties where !property.contains("=") {
            throw ValidationError("--kafka expects key=value, got '\(property)'")
        }
    }

    func clientConfiguration(clientID: String) -> KafkaClientConfiguration {
        var raw: [String: String] = [:]
        for property in properties {
            let parts = property.split(separator: "=", maxSplits: 1)
            raw[String(parts[0])] = parts.count > 1 ? String(parts[1]) : ""
        }
        return KafkaClientConfiguration(
            bootstrapServers: bootstrap.split(separator: ",").map(String.init),
            clientID: clientID,
            properties: raw
        )
    }
}
