import Foundation
import Logging
import SalienceKafka
import Synchronization

/// An embedded cluster with helpers that make fresh names and clients for one test.
struct TestCluster {
    let cluster: EmbeddedKafkaCluster
    let logger = Logger(label: "salience.test")

    init(brokers: Int = 3) throws {
        cluster = try EmbeddedKafkaCluster(brokers: brokers, logger: logger)
    }

    /// A topic name no other test uses.
    static func uniqueName(_ prefix: String) -> String {
        "\(prefix)-\(UUID().uuidString.prefix(8).lowercased())"
    }

    func makeTopic(_ prefix: String = "topic", partitions: Int32) throws -> String {
        let name = Self.uniqueName(prefix)
        try cluster.createTopic(name, partitions: partitions)
        return name
    }

    var clientConfiguration: KafkaClientConfiguration {
        KafkaClientConfiguration(bootstrapServers: [cluster.bootstrapServers], clientID: "salience-test")
    }

    func producer(idempotent: Bool = true, transactionalID: String? = nil, properties: [String: String] = [:]) throws -> KafkaProducer {
        var configuration = KafkaProducerConfiguration(client: clientConfiguration, idempotent: idempotent, linger: .milliseconds(2))
        configuration.transactionalID = transactionalID
        configuration.client.properties = properties
        return try KafkaProducer(configuration: configuration, logger: logger)
    }

    func consumer(group: String?, rebalanceHandler: KafkaRebalanceHandler? = nil) throws -> KafkaConsumer {
        let configuration = KafkaConsumerConfiguration(
            client: clientConfiguration,
            groupID: group,
            offsetReset: .earliest,
            sessionTimeout: .seconds(6),
            heartbeatInterval: .milliseconds(300),
            isolationLevel: .readUncommitted
        )
        return try KafkaConsumer(configuration: configuration, rebalanceHandler: rebalanceHandler, logger: logger)
    }
}

/// Collects delivery results from producer callbacks.
final class DeliveryLog: Sendable {
    private let results = Locked<[KafkaProducer.DeliveryResult]>([])

    func record(_ result: KafkaProducer.DeliveryResult) {
        results.withLock { $0.append(result) }
    }

    var all: [KafkaProducer.DeliveryResult] { results.value }
    var receipts: [KafkaDeliveryReceipt] { all.compactMap { try? $0.get() } }
    var failures: [KafkaError] {
        all.compactMap { if case .failure(let error) = $0 { error } else { nil } }
    }
}

extension KafkaConsumer {
    /// Polls until `count` messages arrived or `timeout` passed.
    func drain(count: Int, timeout: Duration = .seconds(30)) throws -> [KafkaConsumerMessage] {
        var messages: [KafkaConsumerMessage] = []
        let deadline = ContinuousClock.now + timeout
        while messages.count < count, ContinuousClock.now < deadline {
            messages += try poll(maxMessages: 1000, timeout: .milliseconds(200))
        }
        return messages
    }

    /// Polls (serving rebalances) until `condition` holds or `timeout` passed.
    func poll(until condition: () -> Bool, timeout: Duration = .seconds(30)) throws -> [KafkaConsumerMessage] {
        var messages: [KafkaConsumerMessage] = []
        let deadline = ContinuousClock.now + timeout
        while !condition(), ContinuousClock.now < deadline {
            messages += try poll(maxMessages: 1000, timeout: .milliseconds(100))
        }
        return messages
    }
}

/// A value behind a `Mutex` that closures and threads can share.
final class Locked<Value: Sendable>: Sendable {
    private let mutex: Mutex<Value>

    init(_ value: Value) { mutex = Mutex(value) }

    func withLock<Result>(_ body: (inout Value) -> Result) -> Result {
        mutex.withLock { body(&$0) }
    }

    var value: Value { withLock { $0 } }
}
