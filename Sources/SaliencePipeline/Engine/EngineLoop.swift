import Foundation
import Logging
import SalienceCore
import SalienceKafka
import Synchronization

/// The engine's working state and loop. It lives on the engine thread:
/// librdkafka calls the rebalance handler from inside `poll`, on that same
/// thread, so the tasks are never touched concurrently.
final class EngineLoop: @unchecked Sendable {
    private let configuration: PipelineConfiguration
    private let statistics: PipelineStatistics
    private let health: PipelineHealth
    private let metrics: PipelineMetrics
    private var partitionGauges: [KafkaTopicPartition: PipelineMetrics.PartitionGauges] = [:]
    private var lastGaugeUpdate: ContinuousClock.Instant?
    private let logger: Logger
    private let decoder: EventDecoder
    private let fingerprint: UInt64
    private let producer: KafkaProducer
    private let reader: PartitionReader
    private var consumer: KafkaConsumer!
    private var tasks: [KafkaTopicPartition: PartitionTask] = [:]
    private var partitionCounts: [String: Int32] = [:]
    private let deliveries: DeliveryAccounting
    private var transactionOpen = false
    private var restoreFailure: (any Error)?
    /// Where each checkpoint just written starts in the checkpoint topic, to
    /// find out whether the topic kept all of it.
    private var writtenCheckpoints: [KafkaTopicPartition: WrittenCheckpoint] = [:]
    /// Partitions whose eviction was already reported as an error (later ones are warnings).
    private var evictionReported: Set<KafkaTopicPartition> = []
    /// Encodes each sample in the configured format (JSON into one reused
    /// buffer: librdkafka copies the bytes, so it is unshared again by the next sample).
    private var sampleEncoder: any SampleEncoder
    /// The `salience.sample.format` header, made once.
    private let sampleFormatHeader: KafkaHeader
    /// A sample's key and headers, likewise built in reused buffers.
    private var sampleKey: [UInt8] = []
    private var sampleHeaders: [KafkaHeader] = []
    /// What the current batch handled, published to `statistics` once per batch.
    private var handled = PipelineStatistics.HandledInput()

    init(
        configuration: PipelineConfiguration, statistics: PipelineStatistics, health: PipelineHealth,
        metrics: PipelineMetrics, logger: Logger
    ) throws {
        self.configuration = configuration
        self.statistics = statistics
        self.health = health
        self.metrics = metrics
        self.logger = logger
        deliveries = DeliveryAccounting(statistics: statistics, metrics: metrics)
        decoder = EventDecoder(configuration: configuration.decoder)
        fingerprint = configuration.estimator.fingerprint
        sampleEncoder = configuration.sampleFormat.makeEncoder()
        sampleFormatHeader = KafkaHeader(key: SalienceHeader.sampleFormat, string: configuration.sampleFormat.headerValue)
        var producerConfiguration = KafkaProducerConfiguration(
            client: configuration.kafka,
            idempotent: true,
            linger: configuration.linger,
            tcpNoDelay: configuration.tcpNoDelay,
            queueCapacity: configuration.maxInFlightMessages
        )
        producerConfiguration.client.properties["message.max.bytes"] = producerConfiguration.client.properties["message.max.bytes"]
            ?? String(configuration.maxMessageBytes + 64 * 1024)
        if configuration.delivery == .transactional {
            let host = ProcessInfo.processInfo.hostName
            producerConfiguration.transactionalID = "salience-\(configuration.group)-\(host)-\(getpid())"
        }
        producer = try KafkaProducer(configuration: producerConfiguration, logger: logger)
        reader = try PartitionReader(kafka: configuration.kafka, logger: logger)
    }

    // MARK: Loop

    func run(stopRequested: () -> Bool) throws {
        try checkTopicLayout()
        var consumerConfiguration = KafkaConsumerConfiguration(
            client: configuration.kafka,
            groupID: configuration.group,
            offsetReset: configuration.offsetReset,
            sessionTimeout: configuration.sessionTimeout,
            heartbeatInterval: min(.seconds(3), configuration.sessionTimeout / 4)
        )
        consumerConfiguration.client.properties["max.poll.interval.ms"] = consumerConfiguration.client.properties["max.poll.interval.ms"] ?? "300000"
        consumer = try KafkaConsumer(
            configuration: consumerConfiguration,
            // Weak: the consumer is owned by this loop, and a strong capture would keep both alive.
            rebalanceHandler: KafkaRebalanceHandler(
                assigned: { [weak self] partitions in self?.assign(partitions) ?? [] },
                revoked: { [weak self] partitions in self?.revoke(partitions) }
            ),
            logger: logger
        )
        if configuration.delivery == .transactional {
            try producer.initTransactions(timeout: configuration.shutdownTimeout)
        }
        try consumer.subscribe(topics: configuration.inputTopics)
        logger.info("pipeline started", metadata: [
            "salience.group": "\(configuration.group)", "salience.topics": "\(configuration.inputTopics)",
            "salience.delivery": "\(configuration.delivery.rawValue)",
        ])
        health.update { $0.running = true }
        defer { health.update { $0.running = false } }
        do {
            while !stopRequested() {
                let messages = try consumer.poll(maxMessages: configuration.pollBatch, timeout: .milliseconds(100))
                observeLoopTurn()
                if let restoreFailure { throw restoreFailure }
                defer { statistics.publish(&handled) }
                for message in messages {
                    guard let task = tasks[message.topicPartition] else { continue }
                    // Per message: a periodic checkpoint commits the transaction mid-batch.
                    try beginTransactionIfNeeded()
                    try handle(message, by: task)
                    // Checked per message, so a checkpoint interval is never exceeded (it bounds at-least-once duplicates).
                    if task.checkpointDue(everyEvents: configuration.checkpointEveryEvents, everyEventTime: configuration.checkpointEveryEventTime) {
                        try checkpoint(configuration.delivery == .transactional ? Array(tasks.values) : [task])
                    }
                }
                try throwDeliveryFailure()
            }
            logger.info("pipeline stopping: draining, checkpointing, committing")
            try checkpoint(Array(tasks.values))
            try consumer.close()
            producer.close(timeout: configuration.shutdownTimeout)
            try throwDeliveryFailure()
            logger.info("pipeline stopped")
        } catch {
            logger.error("pipeline failed", metadata: ["salience.error": "\(error)"])
            if transactionOpen, (try? producer.abortTransaction(timeout: .seconds(5))) != nil {
                metrics.transactionsAborted.increment()
            }
            producer.close(timeout: .seconds(5))
            try? consumer.close()
            throw error
        }
    }

    /// Refuses a samples or dead-letter topic with fewer partitions than an input topic.
    private func checkTopicLayout() throws {
        let admin = try KafkaAdmin(configuration: configuration.kafka, logger: logger)
        let topics = try admin.listTopics(timeout: .seconds(15))
        func partitions(_ name: String) -> Int32? {
            topics.first { $0.name == name }.map { Int32($0.partitions.count) }
        }
        for output in [configuration.samplesTopic, configuration.deadLetterTopic, configuration.checkpointTopic, configuration.modelsTopic] {
            guard let count = partitions(output) else {
                throw PipelineError(.topicLayout, "output topic '\(output)' does not exist; create it before starting (salience broker creates the default ones; see docs/configuration.md, Topics)")
            }
            partitionCounts[output] = count
        }
        for input in configuration.inputTopics {
            guard let count = partitions(input) else {
                throw PipelineError(.topicLayout, "input topic '\(input)' does not exist")
            }
            for output in [configuration.samplesTopic, configuration.deadLetterTopic] where partitionCounts[output]! < count {
                throw PipelineError(
                    .topicLayout,
                    "'\(output)' has \(partitionCounts[output]!) partitions but input '\(input)' has \(count): outputs are co-partitioned with the input (partition p → partition p), so they need at least as many"
                )
            }
        }
    }

    private func handle(_ message: KafkaConsumerMessage, by task: PartitionTask) throws {
        let outcome = task.handle(message, decoder: decoder)
        switch outcome {
        case .alreadyProcessed:
            return
        case .processed(let release, let samples, let firstToWrite):
            let event = release.result.sample
            metrics.record(event)
            metrics.record(release.labels, negativesSkipped: release.negativesSkipped)
            if !release.result.kept { metrics.samplesNotKept.increment() }
            for (index, sample) in samples.enumerated() where index >= firstToWrite {
                try send(sample, index: index, from: message, of: task)
            }
            handled.eventsIn += 1
            handled.eventsByType[Int(event.type.rawValue)] += 1
            if !release.result.kept { handled.samplesNotKept += 1 }
            handled.samplesSuppressed += firstToWrite
        case .deadLetter(let error):
            try sendDeadLetter(message, error, of: task)
            metrics.recordUndecodable()
            handled.eventsIn += 1
        case .suppressedDeadLetter:
            metrics.recordUndecodable()
            handled.eventsIn += 1
            handled.deadLettersSuppressed += 1
        }
    }

    /// Marks the loop alive, and at most once a second updates lag,
    /// checkpoint age and model log-loss per partition.
    private func observeLoopTurn() {
        let now = ContinuousClock.now
        if let last = lastGaugeUpdate, now - last < .seconds(1) {
            health.update { $0.lastTurn = now }
            return
        }
        lastGaugeUpdate = now
        var totalLag: Int64? = 0
        for (partition, task) in tasks {
            let gauges = partitionGauges[partition]
            if let (low, high) = consumer.cachedWatermarks(of: partition) {
                let lag = max(0, high - max(task.nextOffset ?? low, low))
                gauges?.lag.record(lag)
                totalLag = totalLag.map { $0 + lag }
            } else {
                totalLag = nil
            }
            gauges?.checkpointAge.record((now - task.lastCheckpointAt).totalSeconds)
            if let logLoss = task.estimator.metrics.recentMeanLogLoss { gauges?.modelLogLoss.record(logLoss) }
            gauges?.pendingExposures.record(task.estimator.pendingExposures)
        }
        health.update {
            $0.lastTurn = now
            $0.lag = totalLag
        }
    }

    // MARK: Output

    private func send(_ sample: WeightedSample, index: Int, from message: KafkaConsumerMessage, of task: PartitionTask) throws {
        sampleHeaders.removeAll(keepingCapacity: true)
        sampleHeaders.append(contentsOf: task.sourcePartitionHeaders)
        sampleHeaders.append(SalienceHeader.sourceOffset(message.offset))
        if index > 0 { sampleHeaders.append(KafkaHeader(key: SalienceHeader.sourceIndex, value: DecimalText.bytes(Int64(index)))) }
        sampleHeaders.append(sampleFormatHeader)
        sampleKey.removeAll(keepingCapacity: true)
        sampleKey.append(contentsOf: sample.userID.utf8)
        let output = KafkaProducerMessage(
            topic: configuration.samplesTopic,
            partition: message.partition,
            key: sampleKey,
            value: sampleEncoder.encode(sample),
            headers: sampleHeaders
        )
        try producer.send(output, reportingTo: SampleDeliveryReport(deliveries, inputMilliseconds: message.timestamp?.milliseconds))
    }

    private func sendDeadLetter(_ message: KafkaConsumerMessage, _ error: EventDecodingError, of task: PartitionTask) throws {
        let output = KafkaProducerMessage(
            topic: configuration.deadLetterTopic,
            partition: message.partition,
            key: message.key,
            value: message.value,
            headers: sourceHeaders(of: message, task) + [
                KafkaHeader(key: SalienceHeader.reason, string: error.reason.rawValue),
                KafkaHeader(key: SalienceHeader.detail, string: String(error.detail.prefix(1024))),
            ]
        )
        let reason = error.reason.rawValue
        let metrics = self.metrics
        try producer.send(output, onDelivery: deliveries.handler {
            metrics.recordDeadLetter(reason: reason)
            $0.deadLetters += 1
            $0.deadLettersByReason[reason, default: 0] += 1
        })
    }

    private func sourceHeaders(of message: KafkaConsumerMessage, _ task: PartitionTask) -> [KafkaHeader] {
        var headers = task.sourcePartitionHeaders
        headers.append(SalienceHeader.sourceOffset(message.offset))
        return headers
    }

    private func throwDeliveryFailure() throws {
        if let failure = deliveries.firstFailure {
            throw PipelineError(.deliveryFailed, "a message could not be delivered, stopping rather than losing it: \(failure)")
        }
    }

    // MARK: Checkpoints

    /// Writes checkpoints (and model exports) of `tasks` after every output
    /// before them is acknowledged, then commits the group offsets as a
    /// fallback. In transactional mode the checkpoints and offsets join the
    /// open transaction, which then commits.
    private func checkpoint(_ tasks: [PartitionTask]) throws {
        let tasks = tasks.filter(\.hasUncheckpointedProgress)
        guard !tasks.isEmpty || transactionOpen else { return }
        let transactional = configuration.delivery == .transactional
        if !transactional {
            try producer.flush(timeout: configuration.shutdownTimeout)
            try throwDeliveryFailure()
        }
        var offsets: [KafkaTopicPartitionOffset] = []
        for task in tasks {
            guard let checkpoint = task.checkpoint(group: configuration.group) else { continue }
            try write(checkpoint, of: task)
            offsets.append(KafkaTopicPartitionOffset(task.partition, offset: checkpoint.nextOffset))
        }
        if transactional {
            if !offsets.isEmpty {
                try producer.sendOffsetsToTransaction(offsets, consumer: consumer, timeout: configuration.shutdownTimeout)
            }
            try producer.commitTransaction(timeout: configuration.shutdownTimeout)
            transactionOpen = false
            metrics.transactionsCommitted.increment()
        } else {
            try producer.flush(timeout: configuration.shutdownTimeout)
            try throwDeliveryFailure()
            do {
                if !offsets.isEmpty { try consumer.commit(offsets) }
            } catch {
                // The checkpoint holds the authoritative offset; the group's is a fallback.
                logger.warning("committing group offsets failed; checkpoints hold the offsets", metadata: ["salience.error": "\(error)"])
            }
        }
        for task in tasks { task.markCheckpointed() }
        metrics.checkpoints.increment(by: Int64(tasks.count))
        statistics.update { $0.checkpoints += tasks.count }
        checkRetention(of: tasks)
    }

    /// Says so loudly when the checkpoint topic no longer holds the first
    /// chunks of a checkpoint just written (a broker whose retention is
    /// smaller than the state, as the embedded broker's 5 MiB per
    /// partition): that checkpoint can never be restored, and the error should
    /// come now, not at the next restore.
    private func checkRetention(of tasks: [PartitionTask]) {
        // Partitions of the checkpoint topic hold many checkpoints: each is asked once.
        var lows: [KafkaTopicPartition: Int64?] = [:]
        for task in tasks {
            guard let written = writtenCheckpoints.removeValue(forKey: task.partition), let first = written.firstOffset.value else { continue }
            if lows[written.location] == nil { lows[written.location] = try? reader.watermarks(written.location).low }
            guard let low = lows[written.location] ?? nil, low > first else { continue }
            metrics.checkpointsEvicted.increment()
            statistics.update { $0.checkpointsEvicted += 1 }
            let message: Logger.Message = "checkpoint cannot be restored: the checkpoint topic already evicted part of it"
            let metadata: Logger.Metadata = [
                "salience.partition": "\(task.partition)",
                "salience.checkpoint.bytes": "\(written.bytes)",
                "salience.checkpoint.chunks": "\(written.chunks)",
                "salience.checkpoint.location": "\(written.location) from offset \(first), which now starts at offset \(low)",
                "salience.fix": "\(CheckpointRetention.advice(bytes: written.bytes))",
            ]
            if evictionReported.insert(task.partition).inserted {
                logger.error(message, metadata: metadata)
            } else {
                logger.warning(message, metadata: metadata)
            }
        }
    }

    private func write(_ checkpoint: PartitionCheckpoint, of task: PartitionTask) throws {
        let bytes = checkpoint.encoded(fingerprint: fingerprint)
        partitionGauges[task.partition]?.checkpointBytes.record(bytes.count)
        statistics.update { $0.checkpointBytes += bytes.count }
        let key = checkpoint.key
        let partitions = partitionCounts[configuration.checkpointTopic]!
        let written = WrittenCheckpoint(
            location: KafkaTopicPartition(topic: configuration.checkpointTopic, partition: ChunkedRecords.partition(of: key, partitions: partitions)),
            bytes: bytes.count, chunks: ChunkedRecords.chunks(bytes.count, maxChunkBytes: configuration.maxMessageBytes)
        )
        writtenCheckpoints[task.partition] = written
        let recordDelivery = self.recordDelivery
        try ChunkedRecords.write(
            bytes, key: key, id: task.nextRecordID, topic: configuration.checkpointTopic,
            partitions: partitions, maxChunkBytes: configuration.maxMessageBytes,
            producer: producer, onDelivery: { result in
                if case .success(let receipt) = result { written.firstOffset.lower(to: receipt.offset) }
                recordDelivery(result)
            }
        )
        let export = try ModelExport(task.estimator).jsonData()
        let watermark = task.estimator.watermark.map(String.init) ?? ""
        try ChunkedRecords.write(
            Array(export), key: key, id: task.nextRecordID, topic: configuration.modelsTopic,
            partitions: partitionCounts[configuration.modelsTopic]!, maxChunkBytes: configuration.maxMessageBytes,
            headers: [
                KafkaHeader(key: SalienceHeader.modelFormat, string: ModelExport.formatName),
                KafkaHeader(key: SalienceHeader.modelNextOffset, string: String(checkpoint.nextOffset)),
                KafkaHeader(key: SalienceHeader.modelWatermark, string: watermark),
            ],
            producer: producer, onDelivery: recordDelivery
        )
        if let directory = configuration.checkpointDirectory {
            try CheckpointDirectory(path: directory).write(checkpoint, bytes: bytes, modelExport: Array(export))
        }
    }

    private var recordDelivery: @Sendable (KafkaProducer.DeliveryResult) -> Void {
        deliveries.handler { _ in }
    }

    private func beginTransactionIfNeeded() throws {
        guard configuration.delivery == .transactional, !transactionOpen else { return }
        try producer.beginTransaction()
        transactionOpen = true
    }

    // MARK: Rebalance

    /// Restores a task per partition and returns where each starts.
    private func assign(_ partitions: [KafkaTopicPartition]) -> [KafkaTopicPartitionOffset] {
        metrics.partitionsAssigned.increment(by: Int64(partitions.count))
        for partition in partitions { partitionGauges[partition] = metrics.gauges(for: partition) }
        statistics.update {
            $0.rebalances += 1
            $0.assignedPartitions = (Set($0.assignedPartitions).union(partitions.map(\.description))).sorted()
        }
        var starts: [KafkaTopicPartitionOffset] = []
        do {
            if configuration.delivery == .exactlyOnce {
                // Where the output stands is read from the output topics: this
                // process's own samples still in flight (a revocation whose
                // checkpoint could not flush them, say while a broker was
                // down) must land first, or they would be written again.
                try producer.flush(timeout: configuration.shutdownTimeout)
            }
            let stored = try storedCheckpoints(of: partitions)
            for partition in partitions {
                let task = try restore(partition, stored: stored[partition])
                tasks[partition] = task
                if let offset = task.nextOffset { starts.append(KafkaTopicPartitionOffset(partition, offset: offset)) }
            }
        } catch {
            // Stop rather than start a partition from a state that would break the guarantee.
            restoreFailure = error
            logger.error("cannot restore partitions", metadata: ["salience.partitions": "\(partitions)", "salience.error": "\(error)"])
        }
        health.update {
            $0.assigned = true
            $0.partitions = tasks.count
        }
        return starts
    }

    /// Checkpoints and commits the partitions before giving them up.
    private func revoke(_ partitions: [KafkaTopicPartition]) {
        statistics.update {
            $0.rebalances += 1
            $0.assignedPartitions = Set($0.assignedPartitions).subtracting(partitions.map(\.description)).sorted()
        }
        let revoked = partitions.compactMap { tasks[$0] }
        do {
            try checkpoint(configuration.delivery == .transactional ? Array(tasks.values) : revoked)
        } catch {
            logger.error("checkpoint on revocation failed; the next owner restarts from the previous checkpoint",
                         metadata: ["salience.error": "\(error)"])
        }
        for partition in partitions {
            tasks[partition] = nil
            partitionGauges.removeValue(forKey: partition)?.destroy()
        }
        metrics.partitionsRevoked.increment(by: Int64(partitions.count))
        health.update { $0.partitions = tasks.count }
    }

    /// The newest valid checkpoint of each partition in the checkpoint topic,
    /// read in one backward scan per checkpoint-topic partition.
    private func storedCheckpoints(of partitions: [KafkaTopicPartition]) throws -> [KafkaTopicPartition: (checkpoint: PartitionCheckpoint, id: UInt64)] {
        let keys = Dictionary(uniqueKeysWithValues: partitions.map {
            (PartitionCheckpoint.key(group: configuration.group, topic: $0.topic, partition: $0.partition), $0)
        })
        let found = try ChunkedRecords.newest(
            keys: Set(keys.keys), topic: configuration.checkpointTopic,
            partitions: partitionCounts[configuration.checkpointTopic]!, reader: reader, logger: logger
        ) { _, record in
            (checkpoint: try PartitionCheckpoint.decode(record.bytes, expectedFingerprint: nil), id: record.id)
        }
        return Dictionary(uniqueKeysWithValues: found.map { (keys[$0.key]!, $0.value) })
    }

    private func restore(_ partition: KafkaTopicPartition, stored: (checkpoint: PartitionCheckpoint, id: UInt64)?) throws -> PartitionTask {
        let key = PartitionCheckpoint.key(group: configuration.group, topic: partition.topic, partition: partition.partition)
        var newest = stored
        var source = "the checkpoint topic '\(configuration.checkpointTopic)'"
        if let directory = configuration.checkpointDirectory,
           let local = try CheckpointDirectory(path: directory).read(key: key, logger: logger),
           local.nextOffset > newest?.checkpoint.nextOffset ?? -1 {
            newest = (local, newest.map { $0.id + 1 } ?? 0)
            source = "the file \(CheckpointDirectory(path: directory).checkpointPath(key: key))"
        }
        var estimator = ImportanceEstimator(configuration: configuration.estimator)
        if let checkpoint = newest?.checkpoint {
            let end = try reader.watermarks(partition).high
            guard checkpoint.nextOffset <= end else {
                // Starting there would skip every message the partition holds, silently.
                throw PipelineError(
                    .incompatibleCheckpoint,
                    "the checkpoint of \(partition) in \(source) resumes at offset \(checkpoint.nextOffset), but the partition ends at offset \(end): it was written for another topic of that name (recreated, or on another cluster). Delete that checkpoint, or use a new group or checkpoint directory"
                )
            }
            let header = try StateEnvelope.header(of: checkpoint.estimatorState)
            guard header.fingerprint == fingerprint else {
                throw PipelineError(
                    .incompatibleCheckpoint,
                    "the checkpoint of \(partition) was written under estimator configuration \(String(header.fingerprint, radix: 16)); this run's is \(String(fingerprint, radix: 16)). Restore the old settings, or use a new group (or delete the checkpoints) to start these partitions empty"
                )
            }
            estimator = try ImportanceEstimator(configuration: configuration.estimator, restoring: checkpoint.estimatorState)
            statistics.update { $0.restoredFromCheckpoint += 1 }
        }
        var suppressSamples = PartitionTask.OutputPosition.none
        var suppressDeadLetters: Int64 = -1
        if configuration.delivery == .exactlyOnce {
            suppressSamples = try lastSourcePosition(in: configuration.samplesTopic, for: partition) ?? .none
            suppressDeadLetters = try lastSourcePosition(in: configuration.deadLetterTopic, for: partition)?.offset ?? -1
        }
        logger.info("partition restored", metadata: [
            "salience.partition": "\(partition)",
            "salience.checkpoint.offset": "\(newest.map { String($0.checkpoint.nextOffset) } ?? "none")",
            "salience.suppress.samples_through": "\(suppressSamples.offset)#\(suppressSamples.index)",
            "salience.suppress.dead_letters_through": "\(suppressDeadLetters)",
        ])
        return PartitionTask(
            partition: partition, estimator: estimator, startOffset: newest?.checkpoint.nextOffset,
            recordID: newest.map { $0.id + 1 } ?? 0,
            suppressSamplesThrough: suppressSamples, suppressDeadLettersThrough: suppressDeadLetters
        )
    }

    /// The source position (offset, index) of the newest output from `input` in its co-partition of `topic`.
    private func lastSourcePosition(in topic: String, for input: KafkaTopicPartition) throws -> PartitionTask.OutputPosition? {
        var found: PartitionTask.OutputPosition?
        try reader.scanBackward(KafkaTopicPartition(topic: topic, partition: input.partition), window: 16) { messages in
            for message in messages where message.header(SalienceHeader.sourceTopic) == Array(input.topic.utf8) {
                guard let offset = message.headerNumber(SalienceHeader.sourceOffset) else { continue }
                found = PartitionTask.OutputPosition(offset: offset, index: Int(message.headerNumber(SalienceHeader.sourceIndex) ?? 0))
                return true
            }
            return false
        }
        return found
    }
}
