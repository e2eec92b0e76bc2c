import Logging
import SalienceKafka

/// Whether a broker kept what a command wrote to a topic: the high
/// watermarks before, the low watermarks after. A broker with little
/// retention (the embedded broker keeps about 5 MiB per partition) drops the
/// oldest messages silently; this makes it one warning with the figures.
struct RetentionCheck {
    private let topic: String
    private let client: KafkaClientConfiguration
    private let logger: Logger
    private let startOffsets: [Int32: Int64]

    /// Notes where each partition of `topic` ends now; an absent topic counts as empty.
    init(topic: String, client: KafkaClientConfiguration, logger: Logger) throws {
        self.topic = topic
        self.client = client
        var quiet = logger
        quiet.logLevel = .critical
        self.logger = quiet
        startOffsets = (try? Self.watermarks(topic: topic, client: client, logger: quiet).mapValues(\.high)) ?? [:]
    }

    /// How many of the messages written since `init` the topic no longer holds; `nil` when it cannot tell.
    func evicted() -> Int64? {
        guard let now = try? Self.watermarks(topic: topic, client: client, logger: logger) else { return nil }
        return now.reduce(0) { total, entry in
            total + max(0, entry.value.low - (startOffsets[entry.key] ?? 0))
        }
    }

    private static func watermarks(topic: String, client: KafkaClientConfiguration, logger: Logger) throws -> [Int32: (low: Int64, high: Int64)] {
        let partitions = try KafkaAdmin(configuration: client, logger: logger).describeTopic(topic, timeout: .seconds(10)).partitions
        let consumer = try KafkaConsumer(configuration: KafkaConsumerConfiguration(client: client), logger: logger)
        defer { try? consumer.close() }
        var result: [Int32: (low: Int64, high: Int64)] = [:]
        for partition in partitions {
            result[partition.id] = try consumer.watermarks(of: KafkaTopicPartition(topic: topic, partition: partition.id), timeout: .seconds(10))
        }
        return result
    }
}
