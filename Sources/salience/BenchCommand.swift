import ArgumentParser
import Foundation
import Logging
import SalienceCore
import SalienceDatasets
import SalienceKafka
import SaliencePipeline
import Synchronization

/// `salience bench`: throughput figures, each against a baseline measured in the same run.
struct BenchCommand: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "bench",
        abstract: "Measure decode, estimator and end-to-end throughput against baselines in the same run.",
        discussion: """
            core: Salience's decoder against Foundation's JSONDecoder on the same events, \
            the estimator alone, and checkpoint size as distinct ids grow. \
            pipeline: `salience run` end to end on the embedded broker (output.format protobuf, \
            then json: --formats) against \
            `kcat -C | kcat -P` passthrough of the same stream on the same broker (needs kcat), \
            once more on the default checkpoint schedule (the other runs checkpoint when they \
            stop), then event→sample latency (HDR histogram, input message timestamp to the sample's \
            delivery report) at half the steady-state throughput. memory: decode and estimate a \
            stream of all-distinct users and items, resident memory after 1 M and after \
            --memory-events events. checkpoint: checkpoint bytes per input event at the default \
            schedule, incremental against every checkpoint whole, on the time-sorted Taobao \
            files (--checkpoint-data). Build with -c release for meaningful figures.
            """
    )

    @Option(name: .long, help: "core, pipeline, memory, checkpoint or all.")
    var suite: String = "all"

    @Option(name: .long, help: "Events in the end-to-end stream.")
    var events: Int = 1_000_000

    @Option(name: .long, help: "Input partitions (the embedded broker keeps about 5 MiB per partition).")
    var partitions: Int32 = 128

    @Option(name: .long, help: ArgumentHelp(
        "Partitions of the latency run's topics.",
        discussion: """
            The embedded broker finds a fetch's offset by walking every batch the partition \
            keeps, from the oldest (librdkafka's mock has no offset index), so a consumer that \
            keeps up costs it one walk per partition per fetch, and the latency tail grows with \
            partitions for reasons of the broker's own. A real broker has an index.
            """
    ))
    var latencyPartitions: Int32 = 32

    @Option(name: .long, parsing: .upToNextOption, help: ArgumentHelp(
        "engine.threads values the pipeline suite measures, each in a run of its own; the first gives the headline figures and the latency run.",
        valueName: "count"
    ))
    var threads: [Int] = [1, 2]

    @Option(name: .long, parsing: .upToNextOption, help: ArgumentHelp(
        "output.format values the pipeline suite measures (json, protobuf), each in a run of its own at the first --threads count; the first gives the headline figures.",
        valueName: "format"
    ))
    var formats: [String] = ["protobuf", "json"]

    @Option(name: .long, help: ArgumentHelp(
        "The Python peer the pipeline suite runs on the first --peer-events events of the same stream and broker; '' for none.",
        discussion: "Needs python3 with pip install -r Benchmarks/peers/requirements.txt (confluent-kafka, River); without them the peer is skipped, saying so.",
        valueName: "script"
    ))
    var pythonPeer: String = PipelineBenchmark.defaultPeer

    @Option(name: .long, help: ArgumentHelp(
        "The pipeline's producer linger in milliseconds in the pipeline suite (the `linger` setting; default: its default).",
        valueName: "ms"
    ))
    var lingerMs: Int?

    @Option(name: .long, help: "Events the Python peer handles (all of the stream when fewer).")
    var peerEvents: Int = 100_000

    @Option(name: .long, help: "Events (all-distinct users and items) in the memory suite.")
    var memoryEvents: Int = 10_000_000

    @Option(name: .long, help: ArgumentHelp(
        "A broker the memory suite writes its partition's checkpoint to and restores it from, timed (default: none, not measured).",
        discussion: "The embedded broker keeps about 5 MiB per partition, too little for that checkpoint. The suite creates a topic of its own (the broker must support CreateTopics: Tansu, Kafka).",
        valueName: "host:port"
    ))
    var restoreBootstrap: String = ""

    @Option(name: .long, parsing: .upToNextOption, help: ArgumentHelp(
        "Taobao UserBehavior CSV files the checkpoint suite streams, in order.",
        valueName: "file"
    ))
    var checkpointData: [String] = CheckpointBenchmark.defaultData

    @Flag(name: .long, help: "Print the figures as JSON.")
    var json = false

    func validate() throws {
        guard ["core", "pipeline", "memory", "checkpoint", "all"].contains(suite) else {
            throw ValidationError("--suite expects core, pipeline, memory, checkpoint or all")
        }
        guard events > 0, partitions > 0, latencyPartitions > 0, peerEvents > 0 else {
            throw ValidationError("--events, --partitions, --latency-partitions and --peer-events expect positive numbers")
        }
        guard !threads.isEmpty, threads.allSatisfy({ (1...256).contains($0) }), Set(threads).count == threads.count else {
            throw ValidationError("--threads expects distinct counts from 1 to 256")
        }
        if let lingerMs, !PipelineConfiguration.lingerRange.contains(.milliseconds(lingerMs)) {
            throw ValidationError("--linger-ms expects milliseconds from 0 to 900000 (the linger setting's range)")
        }
        guard memoryEvents >= 1_000_000 else { throw ValidationError("--memory-events expects at least 1000000") }
        guard !formats.isEmpty, formats.allSatisfy({ SampleFormat(rawValue: $0) != nil }), Set(formats).count == formats.count else {
            throw ValidationError("--formats expects distinct output formats among json and protobuf")
        }
    }

    func run() async throws {
        var figures: [(String, Double, String)] = []
        if suite == "core" || suite == "all" { figures += CoreBenchmark().run() }
        if suite == "memory" || suite == "all" { figures += try MemoryBenchmark(events: memoryEvents, restoreBootstrap: restoreBootstrap.isEmpty ? nil : restoreBootstrap).run() }
        if suite == "checkpoint" || suite == "all" { figures += try CheckpointBenchmark(files: checkpointData).run() }
        if suite == "pipeline" || suite == "all" { figures += try await PipelineBenchmark(
                events: events, partitions: partitions, latencyPartitions: latencyPartitions, threads: threads,
                formats: formats.compactMap(SampleFormat.init(rawValue:)), pythonPeer: pythonPeer.isEmpty ? nil : pythonPeer, peerEvents: peerEvents,
                linger: lingerMs.map { .milliseconds($0) }
            ).run() }
        if json {
            let object = Dictionary(uniqueKeysWithValues: figures.map { ($0.0, $0.1) })
            print(String(decoding: try JSONSerialization.data(withJSONObject: object, options: [.sortedKeys, .prettyPrinted]), as: UTF8.self))
        } else {
            let width = figures.map(\.0.count).max() ?? 0
            for (name, value, unit) in figures {
                print(name.padding(toLength: width, withPad: " ", startingAt: 0), String(format: "%14.2f", value), unit)
            }
        }
    }
}

/// Seconds elapsed running `body`.
func seconds(_ body: () throws -> Void) rethrows -> Double {
    let start = ContinuousClock.now
    try body()
    return (ContinuousClock.now - start).totalSeconds
}

/// Peak resident set size of this process, in MiB (VmHWM).
func peakResidentMiB() -> Double { processStatusMiB("VmHWM:") }

/// Resident set size of this process now, in MiB (VmRSS).
func residentMiB() -> Double { processStatusMiB("VmRSS:") }

private func processStatusMiB(_ field: String) -> Double {
    guard let status = try? String(contentsOfFile: "/proc/self/status", encoding: .utf8),
          let line = status.split(separator: "\n").first(where: { $0.hasPrefix(field) }),
          let kilobytes = Double(line.split(separator: " ").dropFirst().first ?? "")
    else { return 0 }
    return kilobytes / 1024
}

struct CoreBenchmark {
    struct CodableEvent: Decodable {
        var user_id: String
        var item_id: String
        var type: String
        var ts: Int64
        var event_id: String?
        var category_id: String?
        var price: Double?
        var session_id: String?
    }

    func run() -> [(String, Double, String)] {
        let events = Array(SyntheticEventStream().prefix(200_000))
        let encoded = events.map(\.jsonBytes)
        let decoder = EventDecoder()
        let foundation = JSONDecoder()
        let data = encoded.map { Data($0) }
        var decoded = 0
        // Five alternating rounds each; the medians damp a noisy machine.
        var salienceRounds: [Double] = []
        var reusingRounds: [Double] = []
        var foundationRounds: [Double] = []
        var reused = BehaviorEvent.placeholder
        for _ in 0..<5 {
            salienceRounds.append(seconds {
                for bytes in encoded where (try? decoder.decode(bytes)) != nil { decoded += 1 }
            })
            // As `salience run` decodes: into one event whose string buffers are reused.
            reusingRounds.append(seconds {
                for bytes in encoded where (try? decoder.decode(bytes, into: &reused)) != nil { decoded += 1 }
            })
            foundationRounds.append(seconds {
                for item in data where (try? foundation.decode(CodableEvent.self, from: item)) != nil { decoded += 1 }
            })
        }
        precondition(decoded == 15 * encoded.count, "every benchmark event decodes")
        let salienceDecode = salienceRounds.sorted()[2]
        let reusingDecode = reusingRounds.sorted()[2]
        let foundationDecode = foundationRounds.sorted()[2]

        var configuration = EstimatorConfiguration()
        configuration.features.fields = [.user, .item, .category, .behavior, .hour, .weekday, .priceBucket, .session]
        configuration.features.crosses = [FeatureCross(.user, .category), FeatureCross(.item, .hour)]
        configuration.samplingEnabled = true
        // Each round: a fresh estimator warmed on the first 50,000 events,
        // timed on the remaining 150,000; medians of 5 rounds, alternating.
        var labelled = configuration
        labelled.labels.policy = .attribution
        labelled.negatives.perPositive = 4
        var estimatorRounds: [Double] = []
        var labelledRounds: [Double] = []
        var stateBytes = 0
        var kept = 0
        for _ in 0..<5 {
            var estimator = ImportanceEstimator(configuration: configuration)
            for event in events.prefix(50_000) { _ = estimator.process(event) }
            estimatorRounds.append(seconds {
                for event in events.dropFirst(50_000) where estimator.process(event).kept { kept += 1 }
            })
            stateBytes = estimator.encodedState().count
            // The same stream released under attribution labels with 4 negatives per positive.
            var joiner = ImportanceEstimator(configuration: labelled)
            var released: [WeightedSample] = []
            for event in events.prefix(50_000) {
                _ = joiner.release(event, into: &released)
                released.removeAll(keepingCapacity: true)
            }
            labelledRounds.append(seconds {
                for event in events.dropFirst(50_000) {
                    _ = joiner.release(event, into: &released)
                    released.removeAll(keepingCapacity: true)
                }
            })
        }
        precondition(kept > 0, "the estimator keeps samples")
        let estimate = estimatorRounds.sorted()[2]
        let labelledSeconds = labelledRounds.sorted()[2]
        // The same configuration after 10x more distinct users and items: state size must not change.
        var wide = ImportanceEstimator(configuration: configuration)
        for event in SyntheticEventStream(configuration: .init(users: 2_000_000, items: 1_000_000, seed: 9)).prefix(150_000) {
            _ = wide.process(event)
        }
        let salienceRate = Double(encoded.count) / salienceDecode
        let foundationRate = Double(encoded.count) / foundationDecode
        return [
            ("decode.salience.events_per_s", salienceRate, "events/s"),
            ("decode.foundation_jsondecoder.events_per_s", foundationRate, "events/s"),
            ("decode.ratio", salienceRate / foundationRate, "x JSONDecoder (medians of 5 alternating rounds)"),
            ("decode.reusing.events_per_s", Double(encoded.count) / reusingDecode, "events/s decoding into one reused event, as salience run does"),
            ("decode.reusing.ratio", foundationDecode / reusingDecode, "x JSONDecoder"),
            ("estimator.events_per_s", Double(events.count - 50_000) / estimate, "events/s (8 fields + 2 crosses, all components; median of 5 rounds)"),
            ("estimator.attribution_negatives.events_per_s", Double(events.count - 50_000) / labelledSeconds,
             "events/s (the same, released under attribution with 4 negatives per positive)"),
            ("estimator.attribution_negatives.ratio", estimate / labelledSeconds, "x the per-event estimator"),
            ("estimator.state_bytes", Double(stateBytes), "bytes (default sizes)"),
            ("estimator.state_bytes_10x_ids", Double(wide.encodedState().count), "bytes (10x distinct ids)"),
        ]
    }
}

/// Checkpoint bytes per input event on a real stream: each of 16 partitions
/// (events split by user, as `import` keys them) runs the default estimator
/// and checkpoints on the default schedule (every 100,000 events or hour of
/// event time, and at the end), written as `salience run` writes them —
/// incremental (a full state every `checkpoint_full_every`) and, for
/// comparison, every checkpoint whole — against the JSON sample bytes; and
/// how long taking them and their model exports takes (the part of a
/// checkpoint `salience run` does on its engine thread).
struct CheckpointBenchmark {
    static let defaultData = ["part1", "part2"].map { "../shared/data/taobao_userbehavior/UserBehavior_time-sorted_\($0).csv" }
    let files: [String]

    func run() throws -> [(String, Double, String)] {
        var events: [BehaviorEvent] = []
        for file in files {
            guard FileManager.default.fileExists(atPath: file) else {
                throw CommandError("--checkpoint-data: \(file) does not exist (the checkpoint suite reads Taobao UserBehavior CSV files)")
            }
            events += try DatasetFile.events(path: file, format: .taobao).events
        }
        guard !events.isEmpty else { throw CommandError("--checkpoint-data: the files hold no Taobao events") }
        let partitions = 16
        var streams = [[BehaviorEvent]](repeating: [], count: partitions)
        for event in events { streams[Int(XXHash64.hash(event.userID, seed: 0) % UInt64(partitions))].append(event) }
        let pipeline = PipelineConfiguration()
        var sampleBytes = 0
        // Of the whole run: the last checkpoints, each partition's final full state.
        var finalBytes = 0
        var written: [Int: (bytes: Int, full: Int, checkpoints: Int)] = [:]
        let clock = ContinuousClock()
        var taking = Duration.zero, exporting = Duration.zero
        for fullEvery in [pipeline.checkpointFullEvery, 1] {
            var total = (bytes: 0, full: 0, checkpoints: 0)
            for (partition, stream) in streams.enumerated() {
                var estimator = ImportanceEstimator(configuration: pipeline.estimator)
                var previous: CheckpointManifest?
                var eventsSince = 0
                var lastEventTime: Int64?
                var samples: [WeightedSample] = []
                func checkpoint(nextOffset: Int) {
                    let start = clock.now
                    let (part, manifest) = CheckpointManifest.next(
                        after: previous, of: estimator, group: "bench", topic: "events", partition: Int32(partition),
                        nextOffset: Int64(nextOffset), generation: UInt64(total.checkpoints), fullEvery: fullEvery,
                        maxChunkBytes: pipeline.maxMessageBytes
                    )
                    let taken = clock.now
                    if fullEvery == pipeline.checkpointFullEvery {
                        taking += taken - start
                        exporting += clock.measure { _ = try? ModelExport(estimator).jsonData() }
                    }
                    total.bytes += part.bytes.count + manifest.encoded(fingerprint: pipeline.estimator.fingerprint).count
                    if fullEvery == 1, nextOffset == stream.count { finalBytes += part.bytes.count }
                    total.checkpoints += 1
                    if part.kind == .full { total.full += 1 }
                    previous = manifest
                    estimator.clearChanges()
                    eventsSince = 0
                    lastEventTime = estimator.maxEventTime
                }
                for (offset, event) in stream.enumerated() {
                    _ = estimator.release(event, into: &samples)
                    eventsSince += 1
                    if lastEventTime == nil { lastEventTime = estimator.maxEventTime }
                    if pipeline.checkpointDue(eventsSince: eventsSince, now: estimator.maxEventTime, lastEventTime: lastEventTime) {
                        checkpoint(nextOffset: offset + 1)
                    }
                }
                if eventsSince > 0 { checkpoint(nextOffset: stream.count) }
                if fullEvery == 1 { sampleBytes += samples.reduce(0) { $0 + $1.jsonBytes.count } }
            }
            written[fullEvery] = total
        }
        let incremental = written[pipeline.checkpointFullEvery]!
        let whole = written[1]!
        // One partition that has seen the stream's first 10,000 events (every user's).
        var small = ImportanceEstimator(configuration: pipeline.estimator)
        for event in events.prefix(10_000) { _ = small.process(event) }
        let perEvent = Double(incremental.bytes) / Double(events.count)
        let samplePerEvent = Double(sampleBytes) / Double(events.count)
        return [
            ("checkpoint.events", Double(events.count), "Taobao events in 16 partitions, checkpointed every 100,000 events or hour of event time"),
            ("checkpoint.bytes_per_event", perEvent,
             "bytes (incremental: \(incremental.checkpoints) checkpoints, \(incremental.full) of them full)"),
            ("checkpoint.full.bytes_per_event", Double(whole.bytes) / Double(events.count), "bytes (every checkpoint whole)"),
            ("checkpoint.incremental_ratio", Double(incremental.bytes) / Double(whole.bytes), "x the bytes of whole checkpoints"),
            ("checkpoint.final_state.bytes_per_event", Double(finalBytes) / Double(events.count),
             "bytes (the 16 final full states alone, as one checkpoint at the end would write them)"),
            ("checkpoint.sample_bytes_per_event", samplePerEvent, "bytes of JSON samples"),
            ("checkpoint.share_of_sample_bytes", perEvent / samplePerEvent, "(the goal is at most 0.05)"),
            ("checkpoint.take_ms", taking.totalSeconds * 1000 / Double(incremental.checkpoints),
             "ms per incremental-schedule checkpoint to encode, compress and checksum it"),
            ("checkpoint.model_export_ms", exporting.totalSeconds * 1000 / Double(incremental.checkpoints),
             "ms per checkpoint for its model export (non-zero weights in index order, JSON)"),
            ("state.memory_bytes_after_10k_events", Double(small.memoryBytes),
             "bytes of tables held by one partition's estimator after the stream's first 10,000 events (the goal is at most 1 MB)"),
            ("state.encoded_bytes_after_10k_events", Double(small.encodedState().count),
             "bytes of that partition's full state, encoded (before the checkpoint compresses it)"),
        ]
    }
}

/// Decoding and estimating a stream in which every user and every item is
/// new: the estimator's memory must not grow with the number of ids.
struct MemoryBenchmark {
    let events: Int
    /// A broker to write the checkpoint to and restore it from, or `nil`.
    let restoreBootstrap: String?

    func run() throws -> [(String, Double, String)] {
        // The broker is checked before the long part, so a wrong address fails at once.
        let restoreTopic = try restoreBootstrap.map(createRestoreTopic)
        FileHandle.standardError.write(Data("bench: \(events) events, all users and items distinct\n".utf8))
        let decoder = EventDecoder()
        var estimator = ImportanceEstimator(configuration: EstimatorConfiguration())
        let types: [BehaviorType] = [.view, .view, .view, .view, .view, .view, .view, .view, .cart, .purchase]
        var residentAfterMillion = 0.0
        let elapsed = try seconds {
            for index in 0..<events {
                let event = BehaviorEvent(
                    userID: "u\(index)", itemID: "i\(index)", type: types[index % types.count],
                    timestamp: 1_700_000_000_000 + Int64(index) * 10, categoryID: "c\(index % 5000)"
                )
                _ = estimator.process(try decoder.decode(event.jsonBytes))
                if index == 999_999 { residentAfterMillion = residentMiB() }
            }
        }
        let residentAtEnd = residentMiB()
        let peak = peakResidentMiB()
        // Restoring this partition: its checkpoint as stored (a full state), decompressed and decoded.
        let part = CheckpointPart(kind: .full, generation: 0, fullSlot: 0, state: estimator.encodedState(), fingerprint: estimator.configuration.fingerprint)
        var restoredEvents: Int64 = 0
        let restore = try seconds {
            restoredEvents = try ImportanceEstimator(configuration: estimator.configuration, restoring: CheckpointPart.state(of: part.bytes)).eventsProcessed
        }
        precondition(restoredEvents == Int64(events), "the restored estimator has seen every event")
        var fromBroker: [(String, Double, String)] = []
        if let restoreBootstrap, let restoreTopic {
            fromBroker = try restoreFromBroker(estimator, bootstrap: restoreBootstrap, topic: restoreTopic)
        }
        return fromBroker + [
            ("memory.events", Double(events), "events, every user and item distinct"),
            ("memory.checkpoint_bytes", Double(part.bytes.count), "bytes of this partition's full checkpoint as stored"),
            ("memory.restore_seconds", restore, "s to decompress and decode it (not counting reading it from a broker)"),
            ("memory.rss_after_1m_mib", residentAfterMillion, "MiB resident after 1 M events (default estimator)"),
            ("memory.rss_at_end_mib", residentAtEnd, "MiB resident after all events"),
            ("memory.growth_ratio", residentAtEnd / residentAfterMillion, "x (1.0 = flat)"),
            ("memory.peak_rss_mib", peak, "MiB peak before the restore"),
            ("memory.events_per_s", Double(events) / elapsed, "events/s (encode, decode, estimate)"),
        ]
    }

    private static var quietLogger: Logger {
        var logger = Logger(label: "salience.bench")
        logger.logLevel = .critical
        return logger
    }

    /// A new checkpoint topic on `bootstrap`, for ``restoreFromBroker(_:bootstrap:topic:)``.
    private func createRestoreTopic(_ bootstrap: String) throws -> String {
        let client = KafkaClientConfiguration(bootstrapServers: [bootstrap], clientID: "salience-bench")
        let topic = "bench-checkpoints-\(UUID().uuidString.prefix(8).lowercased())"
        do {
            try KafkaAdmin(configuration: client, logger: Self.quietLogger).createTopics([KafkaTopicSpecification(name: topic)], timeout: .seconds(15))
        } catch let error as KafkaError where error.code == .unsupportedFeature {
            throw CommandError("--restore-bootstrap \(bootstrap): the broker cannot create topics (the embedded broker cannot; Tansu and Kafka can), and the suite writes to a topic of its own")
        } catch let error as KafkaError {
            throw CommandError("--restore-bootstrap \(bootstrap): cannot create a topic there: \(error.message)")
        }
        return topic
    }

    /// Writes the partition's checkpoint to `topic` of `bootstrap` as
    /// `salience run` writes a first generation, then restores it as a run
    /// does on assignment — the newest generation read back, checked and
    /// decoded — and times that.
    private func restoreFromBroker(_ estimator: ImportanceEstimator, bootstrap: String, topic: String) throws -> [(String, Double, String)] {
        let logger = Self.quietLogger
        let client = KafkaClientConfiguration(bootstrapServers: [bootstrap], clientID: "salience-bench")
        let group = "bench-\(UUID().uuidString.prefix(8).lowercased())"
        let partition = KafkaTopicPartition(topic: "events", partition: 0)
        FileHandle.standardError.write(Data("bench: writing the checkpoint to \(topic) on \(bootstrap), then restoring it\n".utf8))
        let store = CheckpointStore(kafka: client, topic: topic, logger: logger)
        let producer = try KafkaProducer(configuration: KafkaProducerConfiguration(client: client, idempotent: true), logger: logger)
        var written = 0
        let writing = try seconds {
            written = try store.seed(
                estimator, group: group, topic: partition.topic, partition: partition.partition, nextOffset: estimator.eventsProcessed,
                maxChunkBytes: PipelineConfiguration().maxMessageBytes, producer: producer
            )
            try producer.flush(timeout: .seconds(120))
        }
        producer.close(timeout: .seconds(5))
        var restored: ImportanceEstimator?
        var reading = 0.0
        let restoring = try seconds {
            var checkpoint: PartitionCheckpoint?
            reading = try seconds { checkpoint = try store.newest(group: group, partitions: [partition])[partition] }
            restored = try checkpoint?.estimator(configuration: estimator.configuration)
        }
        guard let restored, restored.eventsProcessed == estimator.eventsProcessed else {
            throw CommandError("--restore-bootstrap \(bootstrap): the checkpoint written to \(topic) could not be restored (the broker kept \(written) bytes?)")
        }
        return [
            ("memory.broker_checkpoint_bytes", Double(written), "bytes written to the checkpoint topic (full state and manifest)"),
            ("memory.broker_write_seconds", writing, "s to write and acknowledge them"),
            ("memory.broker_restore_seconds", restoring, "s to restore from the checkpoint topic: read back, checked, decompressed, decoded"),
            ("memory.broker_read_seconds", reading, "s of that reading the records back"),
        ]
    }
}

struct PipelineBenchmark {
    let events: Int
    let partitions: Int32
    let latencyPartitions: Int32
    /// engine.threads values to measure; the first is the headline.
    let threads: [Int]
    /// output.format values to measure at the first thread count; the first is the headline.
    let formats: [SampleFormat]
    /// The Python peer's script, if it is to run.
    let pythonPeer: String?
    /// Events the peer handles.
    let peerEvents: Int
    /// The pipeline's producer linger, or `nil` for the setting's default.
    let linger: Duration?

    /// `Benchmarks/peers/python_peer.py` of the source tree this binary was built from.
    static var defaultPeer: String {
        URL(fileURLWithPath: #filePath).deletingLastPathComponent().deletingLastPathComponent().deletingLastPathComponent()
            .appendingPathComponent("Benchmarks/peers/python_peer.py").path
    }

    func run() async throws -> [(String, Double, String)] {
        var logger = Logger(label: "salience.bench")
        logger.logLevel = .warning
        let cluster = try EmbeddedKafkaCluster(brokers: 1, logger: logger)
        for topic in ["events", "samples", "dead-letters", "passthrough"] {
            try cluster.createTopic(topic, partitions: partitions)
        }
        for topic in ["checkpoints", "models"] { try cluster.createTopic(topic, partitions: 8) }
        let client = KafkaClientConfiguration(bootstrapServers: [cluster.bootstrapServers], clientID: "salience-bench")

        FileHandle.standardError.write(Data("bench: producing \(events) events into \(partitions) partitions\n".utf8))
        let producer = try KafkaProducer(configuration: KafkaProducerConfiguration(client: client, linger: .milliseconds(20)), logger: logger)
        for event in SyntheticEventStream().prefix(events) {
            try producer.send(KafkaProducerMessage(topic: "events", key: Array(event.userID.utf8), value: event.jsonBytes)) { _ in }
        }
        try producer.flush(timeout: .seconds(600))
        producer.close(timeout: .seconds(5))
        // The embedded broker keeps about 5 MiB per partition: measure what it kept.
        let probe = try KafkaConsumer(configuration: KafkaConsumerConfiguration(client: client), logger: logger)
        var available = 0
        for partition in 0..<partitions {
            let (low, high) = try probe.watermarks(of: KafkaTopicPartition(topic: "events", partition: partition), timeout: .seconds(10))
            available += Int(high - low)
        }
        try probe.close()
        if available < events {
            FileHandle.standardError.write(Data("bench: the broker kept \(available) of \(events) events; measuring those (use more --partitions)\n".utf8))
        }

        FileHandle.standardError.write(Data("bench: kcat -C | kcat -P passthrough\n".utf8))
        // kcat runs once before and once after `salience run`; its speed on
        // this broker varies by up to 2x between runs, so the ratios use the
        // faster of the two (the harder baseline).
        let kcatSecondsBefore = try seconds { try kcatPassthrough(cluster.bootstrapServers) }

        var configuration = PipelineConfiguration(
            kafka: client, group: "", inputTopics: ["events"],
            checkpointTopic: "checkpoints", modelsTopic: "models", checkpointEveryEvents: 250_000,
            checkpointEveryEventTime: .seconds(7 * 86_400)
        )
        configuration.estimator.sketchEpsilon = 1e-3
        configuration.estimator.features.bits = 18
        configuration.estimator.logQBucketBits = 16
        configuration.threads = threads[0]
        configuration.sampleFormat = formats[0]
        if let linger { configuration.linger = linger }
        // Each thread count runs over the same stream in a group of its own,
        // the first one (the headline figures) before the replay and the others after it.
        let (salienceSeconds, steadyRate) = try await measureRun(configuration, available: available, logger: logger)
        FileHandle.standardError.write(Data("bench: salience replay of the same range\n".utf8))
        let replay = ReplayEngine(kafka: client, estimator: configuration.estimator, logger: logger)
        var replayed = 0
        var replayedBytes = 0
        let replaySeconds = try seconds {
            let ranges = try replay.ranges(topics: ["events"], start: .earliest, end: .end)
            replayed = try replay.replay(ranges) { replayedBytes += $0.jsonBytes.count }.samples
        }
        precondition(replayed == available, "the replay saw every event")
        let salienceRate = Double(available) / salienceSeconds
        FileHandle.standardError.write(Data("bench: kcat -C | kcat -P passthrough again\n".utf8))
        let kcatSecondsAfter = try seconds { try kcatPassthrough(cluster.bootstrapServers) }
        let kcatRate = Double(available) / min(kcatSecondsBefore, kcatSecondsAfter)
        // Half the maximum: the steady state, not the figure slowed by the one-off group join.
        var scaling: [(String, Double, String)] = []
        for count in threads {
            var threaded = configuration
            threaded.threads = count
            // Topics of its own: exactly-once restart suppression would take the
            // first run's samples in a shared topic as this run's own, and skip them.
            threaded.samplesTopic = "samples-threads-\(count)"
            threaded.deadLetterTopic = "dead-letters-threads-\(count)"
            if count != threads[0] {
                for topic in [threaded.samplesTopic, threaded.deadLetterTopic] { try cluster.createTopic(topic, partitions: partitions) }
            }
            let rate = count == threads[0] ? steadyRate : try await measureRun(threaded, available: available, logger: logger).steadyRate
            scaling.append(("pipeline.threads_\(count).steady_events_per_s", rate, "events/s, steady state, engine.threads \(count)"))
            scaling.append(("pipeline.threads_\(count).steady_ratio", rate / kcatRate, "x kcat passthrough, steady state, engine.threads \(count)"))
        }
        // The other formats at the headline thread count, each in topics of its own.
        var formatRates = [(formats[0], steadyRate)]
        for format in formats.dropFirst() {
            var formatted = configuration
            formatted.sampleFormat = format
            formatted.samplesTopic = "samples-format-\(format.rawValue)"
            formatted.deadLetterTopic = "dead-letters-format-\(format.rawValue)"
            for topic in [formatted.samplesTopic, formatted.deadLetterTopic] { try cluster.createTopic(topic, partitions: partitions) }
            formatRates.append((format, try await measureRun(formatted, available: available, logger: logger).steadyRate))
        }
        var formatFigures = formatRates.flatMap { format, rate in [
            ("pipeline.format_\(format.rawValue).steady_events_per_s", rate, "events/s, steady state, output.format \(format.rawValue)"),
            ("pipeline.format_\(format.rawValue).steady_ratio", rate / kcatRate, "x kcat passthrough, steady state, output.format \(format.rawValue)"),
        ] }
        // The runs above checkpoint only when they stop; this one on the
        // default schedule, whose hour of event time this stream passes
        // every few thousand events of a partition.
        var scheduled = configuration
        scheduled.checkpointEveryEvents = PipelineConfiguration().checkpointEveryEvents
        scheduled.checkpointEveryEventTime = PipelineConfiguration().checkpointEveryEventTime
        scheduled.samplesTopic = "samples-default-schedule"
        scheduled.deadLetterTopic = "dead-letters-default-schedule"
        for topic in [scheduled.samplesTopic, scheduled.deadLetterTopic] { try cluster.createTopic(topic, partitions: partitions) }
        let scheduledRate = try await measureRun(scheduled, available: available, logger: logger).steadyRate
        formatFigures += [
            ("pipeline.default_checkpoints.steady_events_per_s", scheduledRate,
             "events/s, steady state, output.format \(formats[0].rawValue), the default checkpoint schedule"),
            ("pipeline.default_checkpoints.steady_ratio", scheduledRate / kcatRate, "x kcat passthrough, steady state, the default checkpoint schedule"),
        ]
        var peer: [(String, Double, String)] = []
        if let pythonPeer {
            let count = min(peerEvents, available)
            try cluster.createTopic("peer-samples", partitions: partitions)
            if let rate = try runPythonPeer(pythonPeer, bootstrap: cluster.bootstrapServers, count: count) {
                let salienceRate = Double(available) / salienceSeconds
                peer = [
                    ("pipeline.python_peer.events_per_s", rate, "events/s, start to last sample acknowledged, first \(count) events (group join included)"),
                    ("pipeline.python_peer.ratio", salienceRate / rate, "x the Python peer, both from start (group join included)"),
                ]
            }
        }
        let latency = try await measureLatency(cluster: cluster, client: client, configuration: configuration, rate: steadyRate / 2, logger: logger)
        return [
            ("pipeline.events", Double(available), "events in the stream"),
            ("pipeline.salience_run.events_per_s", salienceRate, "events/s (group join included)"),
            ("pipeline.kcat_passthrough.events_per_s", kcatRate, "events/s (the faster of two runs)"),
            ("pipeline.kcat_passthrough.before_events_per_s", Double(available) / kcatSecondsBefore, "events/s, run before salience"),
            ("pipeline.kcat_passthrough.after_events_per_s", Double(available) / kcatSecondsAfter, "events/s, run after salience"),
            ("pipeline.ratio", salienceRate / kcatRate, "x kcat passthrough"),
            ("pipeline.salience_run.steady_events_per_s", steadyRate, "events/s from assignment of every partition to the last sample"),
            ("pipeline.linger_ms", Double(configuration.linger.milliseconds), "ms the pipeline's producer lingers (the linger setting)"),
            ("pipeline.steady_ratio", steadyRate / kcatRate, "x kcat passthrough, steady state"),
            ("pipeline.replay.events_per_s", Double(available) / replaySeconds, "events/s (samples encoded, not written anywhere)"),
            ("pipeline.replay_vs_run.ratio", salienceSeconds / replaySeconds, "x salience run"),
            ("pipeline.replay.sample_bytes", Double(replayedBytes), "bytes of sample JSON encoded by the replay"),
            ("pipeline.peak_rss_mib", peakResidentMiB(), "MiB (whole bench process, broker included)"),
        ] + formatFigures + scaling + peer + latency
    }

    /// Runs the Python peer over the first `count` events; its events/s, or
    /// `nil` (said on standard error) when Python or its packages are missing.
    private func runPythonPeer(_ script: String, bootstrap: String, count: Int) throws -> Double? {
        let check = Process()
        check.executableURL = URL(fileURLWithPath: "/usr/bin/env")
        check.arguments = ["python3", "-c", "import confluent_kafka, river"]
        check.standardOutput = FileHandle.nullDevice
        check.standardError = FileHandle.nullDevice
        var ready = FileManager.default.fileExists(atPath: script)
        if ready {
            do {
                try check.run()
                check.waitUntilExit()
                ready = check.terminationStatus == 0
            } catch {
                ready = false
            }
        }
        guard ready else {
            FileHandle.standardError.write(Data("bench: the Python peer is skipped: it needs \(script) and python3 with pip install -r Benchmarks/peers/requirements.txt\n".utf8))
            return nil
        }
        FileHandle.standardError.write(Data("bench: Python peer (confluent-kafka, River FTRL) on the first \(count) events\n".utf8))
        let peer = Process()
        peer.executableURL = URL(fileURLWithPath: "/usr/bin/env")
        peer.arguments = ["python3", script, "--bootstrap", bootstrap, "--topic", "events", "--output", "peer-samples",
                          "--group", "peer-\(UUID().uuidString.prefix(8))", "--count", String(count)]
        let output = Pipe()
        peer.standardOutput = output
        try peer.run()
        let data = output.fileHandleForReading.readDataToEndOfFile()
        peer.waitUntilExit()
        guard peer.terminationStatus == 0,
              let result = try JSONSerialization.jsonObject(with: data) as? [String: Any],
              let rate = result["events_per_s"] as? Double
        else {
            throw ValidationError("the Python peer failed (exit \(peer.terminationStatus)): \(String(decoding: data, as: UTF8.self))")
        }
        return rate
    }

    /// `salience run` over the whole events topic in a new group: seconds
    /// from start to the last sample, and events/s in the steady state.
    private func measureRun(_ configuration: PipelineConfiguration, available: Int, logger: Logger) async throws -> (seconds: Double, steadyRate: Double) {
        FileHandle.standardError.write(Data("bench: salience run, engine.threads \(configuration.resolvedThreads), output.format \(configuration.sampleFormat.rawValue)\n".utf8))
        var configuration = configuration
        configuration.group = "bench-\(UUID().uuidString.prefix(8))"
        let engine = try PipelineEngine(configuration: configuration, logger: logger)
        let service = PipelineService(engine: engine)
        let start = ContinuousClock.now
        let running = Task { try await service.run() }
        // Steady state starts once every partition is assigned and restored: the
        // group join costs the embedded broker's fixed 3 s first-join delay
        // (Kafka's group.initial.rebalance.delay.ms), which kcat, assigning
        // partitions directly, never pays.
        var assignedAt: ContinuousClock.Instant?
        var samplesAtAssignment = 0
        while engine.statistics.snapshot.samplesOut < available {
            let health = engine.health.snapshot
            if assignedAt == nil, health.assigned, health.partitions == Int(partitions) {
                assignedAt = ContinuousClock.now
                samplesAtAssignment = engine.statistics.snapshot.samplesOut
            }
            if let failure = health.failure { throw ValidationError("the pipeline failed: \(failure)") }
            try await Task.sleep(for: .milliseconds(5))
        }
        let finished = ContinuousClock.now
        engine.requestStop()
        try await running.value
        return ((finished - start).totalSeconds, Double(available - samplesAtAssignment) / (finished - (assignedAt ?? start)).totalSeconds)
    }

    /// Event→sample latency with a live producer at `rate` events/s (linger 5 ms) for 10 s
    /// into `latencyPartitions` partitions, the pipeline at its configured linger (default 1 ms).
    private func measureLatency(
        cluster: EmbeddedKafkaCluster, client: KafkaClientConfiguration, configuration: PipelineConfiguration,
        rate: Double, logger: Logger
    ) async throws -> [(String, Double, String)] {
        FileHandle.standardError.write(Data("bench: latency at \(Int(rate)) events/s (half the steady-state throughput)\n".utf8))
        for topic in ["live-events", "live-samples", "live-dead-letters"] { try cluster.createTopic(topic, partitions: latencyPartitions) }
        var live = configuration
        live.group = "bench-live-\(UUID().uuidString.prefix(8))"
        live.inputTopics = ["live-events"]
        live.samplesTopic = "live-samples"
        live.deadLetterTopic = "live-dead-letters"
        // The embedded broker answers a fetch only when fetch.wait.max.ms
        // expires (a real broker answers as soon as data arrives): keep it short.
        live.kafka.properties["fetch.wait.max.ms"] = "10"
        let latency = LatencyRecordingFactory(recording: PipelineMetrics.latencyLabel)
        let engine = try PipelineEngine(configuration: live, logger: logger, metricsFactory: latency)
        let running = Task { try await PipelineService(engine: engine).run() }
        let joined = ContinuousClock.now + .seconds(60)
        // Ready: every partition restored and fetched once (the state /readyz reports).
        while engine.health.snapshot.partitions < Int(latencyPartitions) || engine.health.snapshot.lag == nil, ContinuousClock.now < joined {
            try await Task.sleep(for: .milliseconds(20))
        }
        FileHandle.standardError.write(Data("bench: live pipeline ready after \(String(format: "%.1f", 60 - (joined - ContinuousClock.now).totalSeconds)) s\n".utf8))

        let producer = try KafkaProducer(configuration: KafkaProducerConfiguration(client: client, linger: .milliseconds(5)), logger: logger)
        let total = Int(rate * 10)
        let delivered = Atomic<Int>(0)
        var stream = SyntheticEventStream(configuration: .init(seed: 77)).makeIterator()
        func send(_ event: BehaviorEvent) throws {
            // No timestamp: librdkafka stamps the message at send time.
            try producer.send(KafkaProducerMessage(topic: "live-events", key: Array(event.userID.utf8), value: event.jsonBytes)) { _ in
                delivered.add(1, ordering: .relaxed)
            }
        }
        // Warm-up: connections and metadata in place, then the histogram restarts.
        let warmUp = 2000
        for _ in 0..<warmUp { if let event = stream.next() { try send(event) } }
        try producer.flush(timeout: .seconds(60))
        while engine.statistics.snapshot.samplesOut < warmUp, ContinuousClock.now < joined + .seconds(60) {
            try await Task.sleep(for: .milliseconds(20))
        }
        latency.reset()
        let start = ContinuousClock.now
        var sent = 0
        while sent < total {
            let due = min(total, Int(rate * (ContinuousClock.now - start).totalSeconds))
            while sent < due, let event = stream.next() {
                try send(event)
                sent += 1
            }
            try await Task.sleep(for: .milliseconds(1))
        }
        let producing = (ContinuousClock.now - start).totalSeconds
        FileHandle.standardError.write(Data("bench: offered \(sent) events in \(String(format: "%.1f", producing)) s; \(delivered.load(ordering: .relaxed) - warmUp) acknowledged, \(engine.statistics.snapshot.samplesOut - warmUp) samples so far\n".utf8))
        try producer.flush(timeout: .seconds(60))
        producer.close(timeout: .seconds(5))
        let drained = ContinuousClock.now + .seconds(120)
        while engine.statistics.snapshot.samplesOut < warmUp + total, ContinuousClock.now < drained { try await Task.sleep(for: .milliseconds(20)) }
        engine.requestStop()
        try await running.value
        return [
            ("latency.offered_events_per_s", Double(total) / producing, "events/s offered to \(latencyPartitions) partitions (input producer linger 5 ms; pipeline linger \(live.linger.milliseconds) ms, fetch.wait.max.ms 10)"),
            ("latency.samples", Double(latency.count), "samples timed"),
            ("latency.p50_ms", latency.milliseconds(atPercentile: 50), "ms, input message timestamp → sample delivery report"),
            ("latency.p99_ms", latency.milliseconds(atPercentile: 99), "ms"),
            ("latency.p999_ms", latency.milliseconds(atPercentile: 99.9), "ms"),
        ]
    }

    /// `kcat -C … -e | kcat -P …` copying the events topic, keys included.
    private func kcatPassthrough(_ bootstrap: String) throws {
        let consume = Process()
        consume.executableURL = URL(fileURLWithPath: "/usr/bin/env")
        consume.arguments = ["kcat", "-C", "-b", bootstrap, "-t", "events", "-o", "beginning", "-e", "-q", "-K", "\t"]
        let produce = Process()
        produce.executableURL = URL(fileURLWithPath: "/usr/bin/env")
        produce.arguments = ["kcat", "-P", "-b", bootstrap, "-t", "passthrough", "-K", "\t"]
        let pipe = Pipe()
        consume.standardOutput = pipe
        produce.standardInput = pipe
        try produce.run()
        try consume.run()
        consume.waitUntilExit()
        produce.waitUntilExit()
        guard consume.terminationStatus == 0, produce.terminationStatus == 0 else {
            throw ValidationError("kcat failed (is Debian's kcat installed?)")
        }
    }
}
