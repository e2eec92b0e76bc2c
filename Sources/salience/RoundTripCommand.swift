import ArgumentParser
import Foundation
import Logging
import SalienceKafka

/// `salience roundtrip`: produce keyed messages with headers, read the whole
/// topic back, and print what was found — a smoke test for any cluster.
struct RoundTripCommand: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "roundtrip",
        abstract: "Produce messages to a topic, read the topic back, and print a JSON summary."
    )

    @OptionGroup var kafka: KafkaOptions

    @Option(name: .long, help: "The topic to write and read (required).")
    var topic: String

    @Option(name: .long, help: "How many messages to produce.")
    var count: Int = 1000

    @Option(name: .long, help: "How long to wait for the messages to come back, in seconds.")
    var timeout: Int = 30

    func validate() throws {
        guard count >= 0 else { throw ValidationError("--count expects a number ≥ 0, got \(count)") }
    }

    func run() async throws {
        let logger = Logger(label: "salience.roundtrip")
        let client = kafka.clientConfiguration(clientID: "salience-roundtrip")
        try BrokerCheck.reachable(client, logger: logger)
        let producer = try KafkaProducer(configuration: KafkaProducerConfiguration(client: client), logger: logger)
        let failures = Counter()
        for index in 0..<count {
            let message = KafkaProducerMessage(
                topic: topic,
                key: Array("user-\(index % 100)".utf8),
                value: Array("salience-\(index)".utf8),
                headers: [KafkaHeader(key: "producer", string: "salience"), KafkaHeader(key: "seq", string: "\(index)")]
            )
            try producer.send(message) { result in
                if case .failure = result { failures.increment() }
            }
        }
        try producer.flush(timeout: .seconds(Int64(timeout)))
        producer.close(timeout: .seconds(5))

        let admin = try KafkaAdmin(configuration: client, logger: logger)
        let partitions = try admin.describeTopic(topic, timeout: .seconds(10)).partitions.map {
            KafkaTopicPartition(topic: topic, partition: $0.id)
        }
        let consumer = try KafkaConsumer(configuration: KafkaConsumerConfiguration(client: client), logger: logger)
        var ends: [KafkaTopicPartition: Int64] = [:]
        for partition in partitions {
            ends[partition] = try consumer.watermarks(of: partition, timeout: .seconds(10)).high
        }
        try consumer.assign(partitions.map { KafkaTopicPartitionOffset($0, offset: KafkaOffset.beginning) })
        var positions: [KafkaTopicPartition: Int64] = [:]
        var ours = 0
        var others = 0
        let deadline = ContinuousClock.now + .seconds(Int64(timeout))
        while ends.contains(where: { (positions[$0.key] ?? 0) < $0.value }), ContinuousClock.now < deadline {
            // Each offset once: librdkafka 2.0 can hand a range out again (its issue #4637).
            for message in try consumer.poll(maxMessages: 1000, timeout: .milliseconds(200)) where message.offset >= positions[message.topicPartition] ?? 0 {
                positions[message.topicPartition] = message.offset + 1
                let isOurs = message.header("producer") == Array("salience".utf8)
                if isOurs { ours += 1 } else { others += 1 }
            }
        }
        try consumer.close()
        let summary: [String: Int] = [
            "produced": count - failures.value,
            "failed": failures.value,
            "consumed_total": ours + others,
            "consumed_salience": ours,
            "consumed_other": others,
        ]
        let json = try JSONSerialization.data(withJSONObject: summary, options: [.sortedKeys])
        print(String(decoding: json, as: UTF8.self))
        if failures.value > 0 || ours < count { throw ExitCode.failure }
    }
}
