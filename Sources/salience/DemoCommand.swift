import ArgumentParser
import Foundation
import Logging
import Prometheus
import SalienceCore
import SalienceDatasets
import SalienceKafka
import SalienceOperations
import SaliencePipeline
import ServiceLifecycle

/// `salience demo`: the whole product in a minute, on the embedded broker.
struct DemoCommand: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "demo",
        abstract: "Start an embedded broker, feed it an e-commerce stream, run the pipeline, and explain the weights.",
        discussion: """
            Without --data the stream comes from the built-in generator (seeded, so runs repeat). \
            Every run is self-contained: the embedded broker is new, and the previous demo's \
            checkpoints in --checkpoint-dir are removed first. Exits 0 by itself once every \
            message is handled; non-zero, saying why, if it is not within --timeout seconds.
            """
    )

    @Option(name: .long, help: "A dataset file to stream instead of generated events (default: none, the built-in generator).")
    var data: String?

    @Option(name: .long, help: "Format of --data: \(DatasetFormat.allCases.map(\.rawValue).joined(separator: ", ")).")
    var format: String = "taobao"

    @Option(name: .long, help: "How many events to stream.")
    var events: Int = 20_000

    @Option(name: .long, help: "Seed of the generated stream.")
    var seed: UInt64 = 42

    @Option(name: .long, help: "Where checkpoints and model exports are written as files (the previous demo's are removed first).")
    var checkpointDir: String = "salience-demo-checkpoints"

    @Option(name: .long, help: "How long the pipeline may take to handle every message, in seconds.")
    var timeout: Int = 300

    func validate() throws {
        guard DatasetFormat(rawValue: format) != nil else { throw ValidationError("--format: unknown format '\(format)'") }
        guard events > 0 else { throw ValidationError("--events expects a number ≥ 1") }
        guard timeout > 0 else { throw ValidationError("--timeout expects a number of seconds ≥ 1") }
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

        var configuration = PipelineConfiguration(kafka: client, group: DemoStream.group, checkpointDirectory: checkpointDir)
        configuration.estimator.features.bits = 18
        configuration.estimator.sketchEpsilon = 1e-3
        configuration.estimator.logQBucketBits = 16
        // The broker is new, so a previous demo's checkpoints describe topics that are gone.
        if try DemoStream.removePreviousState(directory: checkpointDir) {
            print("Removed the previous demo's checkpoints from \(checkpointDir)/\(DemoStream.group)/ (every demo starts empty).")
        }
        let registry = PrometheusCollectorRegistry()
        let engine = try PipelineEngine(configuration: configuration, logger: logger, metricsFactory: PrometheusMetricsFactory.salience(registry: registry))
        let operations = OperationsConfiguration(port: 0)
        let endpoint = try await OperationsServer.start(
            configuration: operations, registry: registry, weights: engine.weightHistograms, probes: .pipeline(engine.health, configuration: operations), logger: logger
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
        let ended = Counter()
        let running = Task {
            defer { ended.increment() }
            try await group.run()
        }
        let expected = input.count + malformed.count
        func handled() -> Int { engine.statistics.snapshot.samplesOut + engine.statistics.snapshot.deadLetters }
        while handled() < expected, ended.value == 0, engine.health.snapshot.failure == nil, clock.now - start < .seconds(timeout) {
            try await Task.sleep(for: .milliseconds(50))
        }
        let complete = handled() >= expected
        await group.triggerGracefulShutdown()
        try await running.value
        let elapsed = clock.now - start
        if let failure = engine.health.snapshot.failure {
            throw CommandError("demo failed: the pipeline stopped: \(failure)")
        }
        guard complete else {
            throw CommandError(
                "demo failed: the pipeline handled \(handled()) of the \(expected) messages within \(timeout) s"
                    + (ended.value > 0 && elapsed < .seconds(timeout) ? " and then stopped (interrupted?)" : "; rerun with a larger --timeout on a slow machine")
            )
        }
        print(String(format: "Every message handled in %.1f s (group join and restore included).", elapsed.totalSeconds))

        let samples = try DemoStream.readSamples(client: client, partitions: partitions, logger: logger)
        let report = DemoReport(
            statistics: engine.statistics.snapshot, samples: samples,
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
    /// The demo's consumer group; its checkpoint files live under `<directory>/<group>/`.
    static let group = "salience-demo"

    /// Removes a previous demo's checkpoint files (only the demo group's
    /// subdirectory); returns whether there were any.
    static func removePreviousState(directory: String) throws -> Bool {
        let previous = URL(fileURLWithPath: directory).appendingPathComponent(group)
        guard FileManager.default.fileExists(atPath: previous.path) else { return false }
        do {
            try FileManager.default.removeItem(at: previous)
        } catch {
            throw CommandError("demo failed: cannot remove the previous demo's checkpoints in \(previous.path): \(error.localizedDescription)")
        }
        return true
    }

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
                if let record = WeightedSampleRecord(message) { records.append(record) }
            }
        }
        return records
    }

    static func restoredEstimators(directory: String, configuration: PipelineConfiguration, partitions: Int32) throws -> [ImportanceEstimator] {
        try (0..<partitions).compactMap { partition in
            let key = PartitionCheckpoint.key(group: configuration.group, topic: "events", partition: partition)
            let path = URL(fileURLWithPath: directory).appendingPathComponent(key + ".checkpoint").path
            guard FileManager.default.fileExists(atPath: path) else { return nil }
            guard let checkpoint = try PartitionCheckpoint.read(directory: path).checkpoint else { return nil }
            return try checkpoint.estimator(configuration: configuration.estimator)
        }
    }
}

/// The fields of a sample the demo shows, read back from its JSON.
struct WeightedSampleRecord {
    let eventID: String
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
        eventID = object["event_id"] as? String ?? ""
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

    /// A sample record of the samples topic, in the format its
    /// `salience.sample.format` header names (JSON when there is none).
    init?(_ message: KafkaConsumerMessage) {
        let format = message.header(SalienceHeader.sampleFormat).map { String(decoding: $0, as: UTF8.self) }
        if format?.hasPrefix(SampleFormat.protobuf.rawValue + ";") == true {
            var reader = ProtobufWireReader(bytes: message.value)
            guard let fields = try? reader.fields() else { return nil }
            self.init(protobuf: fields)
        } else {
            self.init(json: message.value)
        }
    }

    /// The fields of one protobuf `WeightedSample` (Schemas/weighted_sample.proto); absent fields are proto3's defaults.
    init(protobuf fields: [Int: ProtobufWireReader.Value]) {
        eventID = fields[1]?.string ?? ""
        userID = fields[2]?.string ?? ""
        itemID = fields[3]?.string ?? ""
        type = (fields[4]?.integer).flatMap { BehaviorType(rawValue: UInt8(clamping: $0)) }?.name ?? BehaviorType.impression.name
        label = Int(fields[6]?.integer ?? 0)
        weight = fields[7]?.double ?? 0
        let objective = fields[8]?.message ?? [:]
        self.objective = ["weight": 1, "raw": 2, "expert": 3, "class_balance": 4, "popularity": 5, "user_damping": 6]
            .mapValues { objective[$0]?.double ?? 0 }
        let sampling = fields[9]?.message ?? [:]
        self.sampling = ["weight": 1, "keep_probability": 2, "gradient_score": 3].mapValues { sampling[$0]?.double ?? 0 }
        logQ = fields[10]?.double ?? 0
        modelScore = fields[11]?.double ?? 0
    }
}
