import ArgumentParser
import Foundation
import Logging
import Prometheus
import SalienceCore
import SalienceKafka
import SalienceOperations
import SaliencePipeline
import ServiceLifecycle

/// `salience demo`: the whole product in a minute, on the embedded broker.
struct DemoCommand: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "demo",
        abstract: "Start an embedded broker, feed it an e-commerce stream, run the pipeline, and explain the weights.",
        discussion: "Without --data the stream comes from the built-in generator (seeded, so runs repeat). Exits 0 by itself."
    )

    @Option(name: .long, help: "A dataset file to stream instead of generated events.")
    var data: String?

    @Option(name: .long, help: "Format of --data: \(DatasetFormat.allCases.map(\.rawValue).joined(separator: ", ")).")
    var format: String = "taobao"

    @Option(name: .long, help: "How many events to stream.")
    var events: Int = 20_000

    @Option(name: .long, help: "Seed of the generated stream.")
    var seed: UInt64 = 42

    @Option(name: .long, help: "Where checkpoints and model exports are written as files.")
    var checkpointDir: String = "salience-demo-checkpoints"

    func validate() throws {
        guard DatasetFormat(rawValue: format) != nil else { throw ValidationError("--format: unknown format '\(format)'") }
        guard events > 0 else { throw ValidationError("--events expects a number ≥ 1") }
    }

    func run() async throws {
        var logger = Logger(label: "salience.demo")
        logger.logLevel = .error
        let input = try loadEvents()
        let malformed = DemoStream.malformed
        let partitions: Int32 = 4
        let broker = try EmbeddedBrokerService(
            brokers: 1,
            topics: ["events", "samples", "dead-letters", "salience-checkpoints", "salience-models"].map { .init(name: $0, partitions: partitions) },
            logger: logger
        )
        let cluster = broker.cluster
        let client = KafkaClientConfiguration(bootstrapServers: [cluster.bootstrapServers], clientID: "salience-demo")
        print("Embedded broker at \(cluster.bootstrapServers)")
        print("Feeding \(input.count) events\(data.map { " from \($0)" } ?? " from the built-in generator (seed \(seed))") and \(malformed.count) deliberately malformed messages …")

        let producer = try KafkaProducer(configuration: KafkaProducerConfiguration(client: client), logger: logger)
        for (index, event) in input.enumerated() {
            try producer.send(KafkaProducerMessage(topic: "events", key: Array(event.userID.utf8), value: event.jsonBytes)) { _ in }
            if index % (input.count / malformed.count + 1) == 0, index / (input.count / malformed.count + 1) < malformed.count {
                let bad = malformed[index / (input.count / malformed.count + 1)]
                try producer.send(KafkaProducerMessage(topic: "events", key: Array("malformed".utf8), value: bad)) { _ in }
            }
        }
        try producer.flush(timeout: .seconds(120))
        producer.close(timeout: .seconds(5))

        var configuration = PipelineConfiguration(kafka: client, group: "salience-demo", checkpointDirectory: checkpointDir)
        configuration.estimator.features.bits = 18
        configuration.estimator.sketchEpsilon = 1e-3
        configuration.estimator.logQBucketBits = 16
        let registry = PrometheusCollectorRegistry()
        let engine = try PipelineEngine(configuration: configuration, logger: logger, metricsFactory: PrometheusMetricsFactory.salience(registry: registry))
        let operations = OperationsConfiguration(port: 0)
        let endpoint = try await OperationsServer.start(
            configuration: operations, registry: registry, probes: .pipeline(engine.health, configuration: operations), logger: logger
        )
        print("Running the pipeline (exactly-once, \(partitions) partitions); metrics at http://127.0.0.1:\(endpoint.port)/metrics while it runs …")
        let clock = ContinuousClock()
        let start = clock.now
        // Broker, endpoint and pipeline as one service group: SIGINT/SIGTERM or
        // the end of the stream shut the pipeline down first, the broker last.
        let group = ServiceGroup(
            services: [broker, endpoint, PipelineService(engine: engine)],
            gracefulShutdownSignals: [.sigterm, .sigint], logger: logger
        )
        let running = Task { try await group.run() }
        let expected = input.count + malformed.count
        while engine.statistics.snapshot.samplesOut + engine.statistics.snapshot.deadLetters < expected, clock.now - start < .seconds(300) {
            try await Task.sleep(for: .milliseconds(50))
        }
        await group.triggerGracefulShutdown()
        try await running.value
        let elapsed = clock.now - start

        let samples = try DemoStream.readSamples(client: client, partitions: partitions, logger: logger)
        let report = DemoReport(
            statistics: engine.statistics.snapshot, samples: samples, elapsed: elapsed,
            checkpoints: try DemoStream.restoredEstimators(directory: checkpointDir, configuration: configuration, partitions: partitions),
            checkpointDirectory: checkpointDir
        )
        print(report.render())
    }

    private func loadEvents() throws -> [BehaviorEvent] {
        guard let data else {
            return Array(SyntheticEventStream(configuration: .init(seed: seed)).prefix(events))
        }
        return try DatasetFile.events(path: data, format: DatasetFormat(rawValue: format)!, limit: events).events
    }
}

/// The demo's inputs and read-backs.
enum DemoStream {
    /// One message for each of a few dead-letter reasons.
    static let malformed: [[UInt8]] = [
        Array(#"{"user_id":"u1","item_id":"#.utf8),
        Array(#"{"user_id":"u1","item_id":"i9","type":"teleport","ts":1511658000000}"#.utf8),
        Array(#"{"user_id":"u1","item_id":"i9","type":"view","ts":1511658000}"#.utf8),
        Array(#"{"user_id":"u1","type":"view","ts":1511658000000}"#.utf8),
        Array(#"{"user_id":"u1","item_id":"i9","type":"view","ts":1511658000000,"price":NaN}"#.utf8),
    ]

    static func readSamples(client: KafkaClientConfiguration, partitions: Int32, logger: Logger) throws -> [WeightedSampleRecord] {
        let consumer = try KafkaConsumer(configuration: KafkaConsumerConfiguration(client: client), logger: logger)
        defer { try? consumer.close() }
        var ends: [Int32: Int64] = [:]
        for partition in 0..<partitions {
            ends[partition] = try consumer.watermarks(of: KafkaTopicPartition(topic: "samples", partition: partition), timeout: .seconds(10)).high
        }
        try consumer.assign((0..<partitions).map { KafkaTopicPartitionOffset(topic: "samples", partition: $0, offset: KafkaOffset.beginning) })
        var positions: [Int32: Int64] = [:]
        var records: [WeightedSampleRecord] = []
        let deadline = ContinuousClock.now + .seconds(60)
        while ends.contains(where: { (positions[$0.key] ?? 0) < $0.value }), ContinuousClock.now < deadline {
            // Each offset once: librdkafka 2.0 can hand a range out again (its issue #4637).
            for message in try consumer.poll(maxMessages: 5000, timeout: .milliseconds(100)) where message.offset >= positions[message.partition] ?? 0 {
                positions[message.partition] = message.offset + 1
                if let record = WeightedSampleRecord(json: message.value) { records.append(record) }
            }
        }
        return records
    }

    static func restoredEstimators(directory: String, configuration: PipelineConfiguration, partitions: Int32) throws -> [ImportanceEstimator] {
        try (0..<partitions).compactMap { partition in
            let key = PartitionCheckpoint.key(group: configuration.group, topic: "events", partition: partition)
            let url = URL(fileURLWithPath: directory).appendingPathComponent(key + ".checkpoint")
            guard let bytes = try? Data(contentsOf: url) else { return nil }
            let checkpoint = try PartitionCheckpoint.decode(Array(bytes), expectedFingerprint: configuration.estimator.fingerprint)
            return try ImportanceEstimator(configuration: configuration.estimator, restoring: checkpoint.estimatorState)
        }
    }
}

/// The fields of a sample the demo shows, read back from its JSON.
struct WeightedSampleRecord {
    let userID: String
    let itemID: String
    let type: String
    let label: Int
    let weight: Double
    let objective: [String: Double]
    let sampling: [String: Double]
    let modelScore: Double
    let logQ: Double

    init?(json: [UInt8]) {
        guard let object = try? JSONSerialization.jsonObject(with: Data(json)) as? [String: Any],
              let objective = object["objective"] as? [String: Double], let sampling = object["sampling"] as? [String: Double]
        else { return nil }
        userID = object["user_id"] as? String ?? ""
        itemID = object["item_id"] as? String ?? ""
        type = object["type"] as? String ?? ""
        label = object["label"] as? Int ?? 0
        weight = object["weight"] as? Double ?? 0
        modelScore = object["model_score"] as? Double ?? 0
        logQ = object["log_q"] as? Double ?? 0
        self.objective = objective
        self.sampling = sampling
    }
}
