import Foundation
import Logging
import SalienceCore
import SalienceDatasets
import SalienceKafka
import SaliencePipeline
import Synchronization

/// An embedded cluster with the pipeline's topics, helpers to feed it and
/// read it back, and the reference: the core estimator fed each input
/// partition directly.
struct PipelineHarness {
    let cluster: EmbeddedKafkaCluster
    let logger = Logger(label: "salience.test")
    let partitions: Int32
    let events = "events"

    init(partitions: Int32 = 16, brokers: Int = 3) throws {
        self.partitions = partitions
        cluster = try EmbeddedKafkaCluster(brokers: brokers, logger: logger)
        for topic in [events, "samples", "dead-letters", "checkpoints", "models"] {
            try cluster.createTopic(topic, partitions: partitions)
        }
    }

    var kafka: KafkaClientConfiguration {
        KafkaClientConfiguration(bootstrapServers: [cluster.bootstrapServers], clientID: "salience-test")
    }

    /// A small estimator so checkpoints stay small on the embedded cluster's 5 MiB partitions.
    static var estimator: EstimatorConfiguration {
        var configuration = EstimatorConfiguration()
        configuration.sketchEpsilon = 0.01
        configuration.logQBucketBits = 12
        configuration.features.bits = 15
        return configuration
    }

    func configuration(group: String = "group-\(UUID().uuidString.prefix(8))", delivery: DeliveryMode = .exactlyOnce) -> PipelineConfiguration {
        // One thread unless a test says otherwise: many groups of several
        // members rebalancing at once, as a parallel test run makes them, once
        // aborted the embedded broker's group coordinator (docs/delivery.md).
        // Thread counts are tested in EngineThreadsTests and the kill -9 tests.
        PipelineConfiguration(
            kafka: kafka, group: group, inputTopics: [events], samplesTopic: "samples", deadLetterTopic: "dead-letters",
            checkpointTopic: "checkpoints", modelsTopic: "models", delivery: delivery,
            checkpointEveryEvents: 5_000, threads: 1, sessionTimeout: .seconds(6), estimator: Self.estimator
        )
    }

    /// Produces messages keyed by user (librdkafka's partitioner), in order,
    /// stamped with their event time when they are events; waits for all acks.
    func produce(_ values: [(key: String, value: [UInt8])]) throws {
        let decoder = EventDecoder()
        let producer = try KafkaProducer(configuration: KafkaProducerConfiguration(client: kafka, linger: .milliseconds(5)), logger: logger)
        let failures = Atomic<Int>(0)
        for (key, value) in values {
            let time = try? decoder.decode(value).timestamp
            try producer.send(KafkaProducerMessage(topic: events, key: Array(key.utf8), value: value, timestampMilliseconds: time)) { result in
                if case .failure = result { failures.add(1, ordering: .relaxed) }
            }
        }
        try producer.flush(timeout: .seconds(60))
        producer.close(timeout: .seconds(5))
        precondition(failures.load(ordering: .relaxed) == 0, "test input could not be produced")
    }

    /// `count` generated events keyed by user. User activity is flattened
    /// (Zipf 0.5) so no partition outgrows the embedded broker's 5 MiB.
    static func synthetic(_ count: Int, users: Int = 2000, items: Int = 5000, seed: UInt64) -> [(key: String, value: [UInt8])] {
        SyntheticEventStream(configuration: .init(users: users, items: items, userExponent: 0.5, seed: seed))
            .prefix(count).map { ($0.userID, $0.jsonBytes) }
    }

    /// The sum of a topic's high watermarks: messages written so far.
    func written(_ topic: String, reader: KafkaConsumer) throws -> Int64 {
        try (0..<partitions).reduce(0) { total, partition in
            total + (try reader.watermarks(of: KafkaTopicPartition(topic: topic, partition: partition), timeout: .seconds(10)).high)
        }
    }

    /// Every message of a topic, by partition, in offset order.
    func readAll(_ topic: String) throws -> [Int32: [KafkaConsumerMessage]] {
        let consumer = try KafkaConsumer(configuration: KafkaConsumerConfiguration(client: kafka, isolationLevel: .readUncommitted), logger: logger)
        defer { try? consumer.close() }
        var result: [Int32: [KafkaConsumerMessage]] = [:]
        var ends: [Int32: Int64] = [:]
        for partition in 0..<partitions {
            let (low, high) = try consumer.watermarks(of: KafkaTopicPartition(topic: topic, partition: partition), timeout: .seconds(10))
            guard low == 0 else {
                throw KafkaError(code: .unknownTopicOrPartition, name: "RETENTION",
                                 message: "\(topic)/\(partition) lost messages to the embedded broker's retention (low watermark \(low))", severity: .permanent)
            }
            ends[partition] = high
        }
        try consumer.assign((0..<partitions).map { KafkaTopicPartitionOffset(topic: topic, partition: $0, offset: KafkaOffset.beginning) })
        let deadline = ContinuousClock.now + .seconds(60)
        while ends.contains(where: { (result[$0.key]?.last?.offset ?? -1) + 1 < $0.value }), ContinuousClock.now < deadline {
            // Kept once per offset: a range handed out again must not look as if the log held it twice;
            // librdkafka 2.0 can hand a consumer a range again (issue #4637).
            for message in try consumer.poll(maxMessages: 5000, timeout: .milliseconds(100)) {
                let last = result[message.partition]?.last?.offset ?? -1
                guard message.offset > last else {
                    logger.warning("consumer handed \(topic)/\(message.partition)@\(message.offset) again after \(last); kept once")
                    continue
                }
                if message.offset > last + 1 { logger.warning("offsets \(last + 1)..<\(message.offset) of \(topic)/\(message.partition) were not handed out") }
                result[message.partition, default: []].append(message)
            }
        }
        return result
    }

    /// What the core estimator makes of each input partition fed directly:
    /// the samples it releases (with the configuration's label policy and negatives).
    func reference(_ input: [Int32: [KafkaConsumerMessage]], configuration: EstimatorConfiguration = Self.estimator)
        -> (samples: [Int32: [WeightedSample]], deadLetters: [Int32: [Int64]], estimators: [Int32: ImportanceEstimator])
    {
        let decoder = EventDecoder()
        var samples: [Int32: [WeightedSample]] = [:]
        var deadLetters: [Int32: [Int64]] = [:]
        var estimators: [Int32: ImportanceEstimator] = [:]
        for (partition, messages) in input {
            var estimator = ImportanceEstimator(configuration: configuration)
            for message in messages {
                guard let event = try? decoder.decode(message.value) else {
                    deadLetters[partition, default: []].append(message.offset)
                    continue
                }
                let source = SourcePosition(topic: events, partition: partition, offset: message.offset)
                _ = estimator.release(event, source: source, into: &samples[partition, default: []])
            }
            estimators[partition] = estimator
        }
        return (samples, deadLetters, estimators)
    }

    /// Runs the pipeline in-process until `done` holds, then stops it cleanly.
    func run(_ configuration: PipelineConfiguration, timeout: Duration = .seconds(120), until done: (PipelineStatistics.Snapshot) -> Bool) async throws -> PipelineStatistics.Snapshot {
        let engine = try PipelineEngine(configuration: configuration, logger: logger)
        let running = Task { try await PipelineService(engine: engine).run() }
        return try await stop(engine, running: running, timeout: timeout, when: done)
    }

    /// Waits until `done` holds (or `timeout` passes), then stops the running
    /// engine cleanly and returns its final statistics.
    func stop(
        _ engine: PipelineEngine, running: Task<Void, any Error>, timeout: Duration = .seconds(120),
        when done: (PipelineStatistics.Snapshot) -> Bool
    ) async throws -> PipelineStatistics.Snapshot {
        let deadline = ContinuousClock.now + timeout
        while !done(engine.statistics.snapshot), ContinuousClock.now < deadline {
            try await Task.sleep(for: .milliseconds(100))
        }
        engine.requestStop()
        try await running.value
        return engine.statistics.snapshot
    }
}

/// Test input: real Taobao events from ../shared/data (time-sorted) when it
/// is there, else the built-in generator, so the guarantees are always tested.
enum RealEvents {
    static let directory: URL = {
        if let path = ProcessInfo.processInfo.environment["SALIENCE_SHARED_DATA"] { return URL(fileURLWithPath: path) }
        return URL(fileURLWithPath: #filePath).deletingLastPathComponent().deletingLastPathComponent()
            .deletingLastPathComponent().deletingLastPathComponent().appendingPathComponent("shared/data")
    }()

    static var available: Bool {
        FileManager.default.fileExists(atPath: directory.appendingPathComponent("taobao_userbehavior/UserBehavior_time-sorted_part1.csv").path)
    }

    static func taobao(_ count: Int) throws -> [(key: String, value: [UInt8])] {
        guard available else { return PipelineHarness.synthetic(count, users: 50_000, items: 30_000, seed: 11) }
        var result: [(key: String, value: [UInt8])] = []
        let importer = DatasetImporter(format: .taobao)
        for file in ["UserBehavior_time-sorted_part1.csv", "UserBehavior_time-sorted_part2.csv"] {
            let text = try String(contentsOf: directory.appendingPathComponent("taobao_userbehavior/\(file)"), encoding: .utf8)
            for (index, line) in text.split(separator: "\n").enumerated() {
                guard result.count < count else { return result }
                if case .event(let event) = importer.row(line, number: index + 1) {
                    result.append((event.userID, event.jsonBytes))
                }
            }
        }
        return result
    }
}
