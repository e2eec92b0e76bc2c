import Foundation
import Logging
import SalienceCore
import SalienceKafka
import Synchronization

/// One engine thread: its consumer-group member, its partition tasks and the
/// loop that wires the parts — poll, hand each message to its
/// ``PartitionTask``, send what it releases through ``SampleOutput``,
/// checkpoint through ``CheckpointWriter`` (in the open transaction, under
/// `transactional`), and restore newly assigned partitions through
/// ``PartitionRestorer``. It lives on its thread: librdkafka calls the
/// rebalance handler from inside `poll`, on that same thread, so the tasks are
/// never touched concurrently. The handler only records an assignment (the
/// consumer pauses the partitions); the loop restores them after the poll
/// returns, then seeks and resumes them. A revocation checkpoints inside the
/// handler, as the group requires before it moves the partitions.
final class EngineLoop: @unchecked Sendable {
    private let configuration: PipelineConfiguration
    private let statistics: PipelineStatistics
    private let health: PipelineHealth
    private let metrics: PipelineMetrics
    private var partitionGauges: [KafkaTopicPartition: PipelineMetrics.PartitionGauges] = [:]
    private var lastGaugeUpdate: ContinuousClock.Instant?
    private let logger: Logger
    private let decoder: EventDecoder
    private let producer: KafkaProducer
    private var consumer: KafkaConsumer!
    private var tasks: [KafkaTopicPartition: PartitionTask] = [:]
    /// Where each of `tasks`' partitions stands: restoring, suppressing, live or revoking.
    private var assignment = PartitionAssignment()
    private let layout: TopicLayout
    /// This loop's place among the engine threads, as its health member.
    private let member: Int
    private let deliveries: DeliveryAccounting
    private var output: SampleOutput
    private var checkpoints: CheckpointWriter
    private let restorer: PartitionRestorer
    private var transactionOpen = false
    /// Checkpoints taken whose outputs are not all delivered yet, oldest first.
    private var pending: [PendingCheckpoint] = []
    /// Checkpoints sent whose records are not all delivered yet, oldest first.
    private var sent: [SentCheckpoint] = []
    /// What the current batch handled, published to `statistics` and `metrics` once per batch.
    private var handled = HandledCounts()
    /// The current poll's messages, their bytes in buffers every poll reuses
    /// (without their headers: the engine reads none, and dead letters keep
    /// only the value and key).
    private var batch = KafkaMessageBatch(keepingHeaders: false)

    /// - Parameters:
    ///   - member: This loop's index among the engine's threads (its health
    ///     member, and part of its transactional id).
    init(
        configuration: PipelineConfiguration, layout: TopicLayout, member: Int, statistics: PipelineStatistics,
        health: PipelineHealth, metrics: PipelineMetrics, logger: Logger
    ) throws {
        self.configuration = configuration
        self.layout = layout
        self.member = member
        self.statistics = statistics
        self.health = health
        self.metrics = metrics
        self.logger = logger
        deliveries = DeliveryAccounting(statistics: statistics, metrics: metrics)
        decoder = EventDecoder(configuration: configuration.decoder)
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
            producerConfiguration.transactionalID = configuration.transactionalID(
                member: member, host: ProcessInfo.processInfo.hostName, processID: getpid()
            )
        }
        producer = try KafkaProducer(configuration: producerConfiguration, logger: logger)
        let reader = try PartitionReader(kafka: configuration.kafka, logger: logger)
        output = SampleOutput(configuration: configuration, producer: producer, deliveries: deliveries)
        checkpoints = CheckpointWriter(
            configuration: configuration, layout: layout, producer: producer, reader: reader, deliveries: deliveries, logger: logger
        )
        restorer = PartitionRestorer(configuration: configuration, layout: layout, reader: reader, statistics: statistics, logger: logger)
    }

    // MARK: Loop

    /// Polls and handles until `stopRequested` holds, then drains,
    /// checkpoints and commits, meets the other engine threads at `barrier`,
    /// and leaves the group.
    func run(stopRequested: () -> Bool, barrier: ShutdownBarrier) throws {
        // A thread that fails before it drains still counts, so the others do not wait for it.
        var drained = false
        defer { if !drained { barrier.arrive() } }
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
                assigned: { [weak self] partitions in
                    self?.assign(partitions)
                    return []
                },
                revoked: { [weak self] partitions in self?.revoke(partitions) },
                pausesAssigned: true
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
        health.update(member: member) { $0.running = true }
        defer { health.update(member: member) { $0.running = false } }
        do {
            while !stopRequested() {
                try consumer.poll(into: &batch, maxMessages: configuration.pollBatch, timeout: .milliseconds(100))
                observeLoopTurn()
                defer { publishHandled() }
                for message in batch.messages {
                    guard assignment.accepts(message.topicPartition), let task = tasks[message.topicPartition] else { continue }
                    // Per message: a periodic checkpoint commits the transaction mid-batch.
                    try beginTransactionIfNeeded()
                    try handle(message, by: task)
                    if assignment.handled(message.topicPartition, offset: message.offset) {
                        logger.info("partition live: past the output written before the restart", metadata: [
                            "salience.partition": "\(message.topicPartition)", "salience.offset": "\(message.offset)",
                        ])
                    }
                    // Checked per message, so a checkpoint interval is never exceeded (it bounds at-least-once duplicates).
                    if task.checkpointDue(configuration) { try checkpointInBackground(task) }
                }
                try throwDeliveryFailure()
                try advanceCheckpoints()
                // After the batch: its messages of these partitions were fetched before they were paused.
                try restoreAssigned()
            }
            logger.info("pipeline stopping: draining, checkpointing, committing")
            try checkpoint(Array(tasks.values))
            drained = true
            barrier.arriveAndWait(timeout: configuration.shutdownTimeout)
            // Every thread's last checkpoints are written now, and another
            // thread's may have pushed this one's out of a shared partition.
            recordEvictions(checkpoints.checkRetention(of: Array(tasks.values)))
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

    private func handle(_ message: KafkaMessageBatch.Message, by task: PartitionTask) throws {
        let outcome = task.handle(message, in: batch, decoder: decoder)
        switch outcome {
        case .alreadyProcessed:
            return
        case .processed(let release, let samples, let firstToWrite):
            for (index, sample) in samples.enumerated() where index >= firstToWrite {
                try output.send(sample, index: index, from: message, of: task)
            }
            handled.count(release, suppressed: firstToWrite)
        case .deadLetter(let error):
            try output.sendDeadLetter(message, in: batch, error, of: task)
            handled.countUndecodable(suppressed: false)
        case .suppressedDeadLetter:
            handled.countUndecodable(suppressed: true)
        }
    }

    /// Hands the batch's counts to the statistics and the metrics, once.
    private func publishHandled() {
        guard !handled.isEmpty else { return }
        statistics.publish(handled)
        metrics.publish(handled)
        handled = HandledCounts()
    }

    /// Marks the loop alive, and at most once a second updates lag,
    /// checkpoint age and model log-loss per partition.
    private func observeLoopTurn() {
        let now = ContinuousClock.now
        if let last = lastGaugeUpdate, now - last < .seconds(1) {
            health.update(member: member) { $0.lastTurn = now }
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
            gauges?.keepRatio.record(task.estimator.achievedKeepRate)
            gauges?.pendingExposures.record(task.estimator.pendingExposures)
        }
        health.update(member: member) {
            $0.lastTurn = now
            $0.lag = totalLag
        }
    }

    // MARK: Delivery

    private func throwDeliveryFailure() throws {
        if let failure = deliveries.firstFailure {
            throw PipelineError(.deliveryFailed, "a message could not be delivered, stopping rather than losing it: \(failure)")
        }
    }

    // MARK: Checkpoints

    /// A checkpoint taken, waiting for the producer to report every message
    /// sent before it (`outputsThrough`) before it is sent.
    private struct PendingCheckpoint {
        let task: PartitionTask
        let prepared: CheckpointWriter.Prepared
        let outputsThrough: UInt64
    }

    /// A checkpoint sent, waiting for its own records' reports
    /// (`recordsThrough`) before the group offset follows it.
    private struct SentCheckpoint {
        let task: PartitionTask
        let written: CheckpointWriter.Written
        let recordsThrough: UInt64
    }

    /// Takes a periodic checkpoint of `task`. Under `exactly_once` without
    /// waiting: it is sent once every output before it is delivered
    /// (``advanceCheckpoints()``, each turn) while the loop goes on, and a
    /// restart re-processes what it had not yet covered with its output
    /// suppressed. Under `at_least_once` the loop waits until it is stored,
    /// so a restart writes again at most one checkpoint interval; under
    /// `transactional` the open transaction commits with it.
    private func checkpointInBackground(_ task: PartitionTask) throws {
        switch configuration.delivery {
        case .exactlyOnce: try take(task)
        case .atLeastOnce: try checkpoint([task])
        case .transactional: try checkpoint(Array(tasks.values))
        }
    }

    /// Takes the checkpoint of `task` and queues it behind the outputs sent so far.
    private func take(_ task: PartitionTask) throws {
        guard let prepared = try checkpoints.prepare(task) else { return }
        task.markCheckpointed(prepared.manifest)
        pending.append(PendingCheckpoint(task: task, prepared: prepared, outputsThrough: producer.sentMessages))
    }

    /// Sends the checkpoints whose outputs are all delivered, and commits the
    /// group offsets of those whose own records are (a fallback: the
    /// checkpoints hold the authoritative offsets), in the background unless
    /// `waitingForCommit`.
    private func advanceCheckpoints(waitingForCommit: Bool = false) throws {
        guard !pending.isEmpty || !sent.isEmpty else { return }
        // Read before the failure check: a report's handler records a failure before the prefix passes it.
        var reported = producer.reportedThrough
        try throwDeliveryFailure()
        while let first = pending.first, first.outputsThrough <= reported {
            pending.removeFirst()
            let written = try checkpoints.send(first.prepared)
            recordWritten(written, of: first.task.partition)
            sent.append(SentCheckpoint(task: first.task, written: written, recordsThrough: producer.sentMessages))
        }
        reported = producer.reportedThrough
        try throwDeliveryFailure()
        let confirmed = sent.prefix { $0.recordsThrough <= reported }
        guard !confirmed.isEmpty else { return }
        sent.removeFirst(confirmed.count)
        let offsets = confirmed.map { KafkaTopicPartitionOffset($0.task.partition, offset: $0.written.manifest.nextOffset) }
        do {
            if waitingForCommit { try consumer.commit(offsets) } else { try consumer.commitInBackground(offsets) }
        } catch {
            logger.warning("committing group offsets failed; checkpoints hold the offsets", metadata: ["salience.error": "\(error)"])
        }
        metrics.checkpoints.increment(by: Int64(confirmed.count))
        statistics.update { $0.checkpoints += confirmed.count }
        recordEvictions(checkpoints.checkRetention(of: confirmed.map(\.task)))
    }

    /// Checkpoints `tasks` and waits until the checkpoints, and every one
    /// still pending, are written and acknowledged, then commits the group
    /// offsets: on revocation, at shutdown, and under `transactional`, where
    /// the checkpoints and offsets join the open transaction, which then commits.
    private func checkpoint(_ tasks: [PartitionTask]) throws {
        let tasks = tasks.filter(\.hasUncheckpointedProgress)
        if configuration.delivery == .transactional {
            try checkpointInTransaction(tasks)
            return
        }
        guard !tasks.isEmpty || !pending.isEmpty || !sent.isEmpty else { return }
        try awaitReports()
        for task in tasks { try take(task) }
        try advanceCheckpoints()
        try awaitReports()
        try advanceCheckpoints(waitingForCommit: true)
    }

    /// Flushes the producer and waits until every message sent so far has
    /// been reported (its handler run), so that ``advanceCheckpoints()``
    /// finds every checkpoint ready.
    private func awaitReports() throws {
        try producer.flush(timeout: configuration.shutdownTimeout)
        let target = producer.sentMessages
        let deadline = ContinuousClock.now + configuration.shutdownTimeout
        while producer.reportedThrough < target {
            guard ContinuousClock.now < deadline else {
                throw PipelineError(.deliveryFailed, "delivery reports still outstanding after \(configuration.shutdownTimeout)")
            }
            Thread.sleep(forTimeInterval: 0.001)
        }
        try throwDeliveryFailure()
    }

    private func checkpointInTransaction(_ tasks: [PartitionTask]) throws {
        guard !tasks.isEmpty || transactionOpen else { return }
        var offsets: [KafkaTopicPartitionOffset] = []
        var written: [(task: PartitionTask, manifest: CheckpointManifest)] = []
        for task in tasks {
            guard let checkpoint = try checkpoints.write(task) else { continue }
            recordWritten(checkpoint, of: task.partition)
            offsets.append(KafkaTopicPartitionOffset(task.partition, offset: checkpoint.manifest.nextOffset))
            written.append((task, checkpoint.manifest))
        }
        if !offsets.isEmpty {
            try producer.sendOffsetsToTransaction(offsets, consumer: consumer, timeout: configuration.shutdownTimeout)
        }
        try producer.commitTransaction(timeout: configuration.shutdownTimeout)
        transactionOpen = false
        metrics.transactionsCommitted.increment()
        for (task, manifest) in written { task.markCheckpointed(manifest) }
        metrics.checkpoints.increment(by: Int64(written.count))
        statistics.update { $0.checkpoints += written.count }
        recordEvictions(checkpoints.checkRetention(of: tasks))
    }

    /// Counts the bytes of a checkpoint sent.
    private func recordWritten(_ written: CheckpointWriter.Written, of partition: KafkaTopicPartition) {
        partitionGauges[partition]?.checkpointBytes.record(written.bytes)
        statistics.update {
            $0.checkpointBytes += written.bytes
            if written.isFull {
                $0.fullCheckpoints += 1
                $0.fullCheckpointBytes += written.bytes
            }
        }
    }

    /// Counts the checkpoints whose full state the checkpoint topic no longer holds.
    private func recordEvictions(_ evicted: Int) {
        guard evicted > 0 else { return }
        metrics.checkpointsEvicted.increment(by: Int64(evicted))
        statistics.update { $0.checkpointsEvicted += evicted }
    }

    private func beginTransactionIfNeeded() throws {
        guard configuration.delivery == .transactional, !transactionOpen else { return }
        try producer.beginTransaction()
        transactionOpen = true
    }

    // MARK: Rebalance

    /// Records the partitions the group assigned (paused by the consumer
    /// until ``restoreAssigned()``).
    private func assign(_ partitions: [KafkaTopicPartition]) {
        metrics.partitionsAssigned.increment(by: Int64(partitions.count))
        for partition in partitions { partitionGauges[partition] = metrics.gauges(for: partition) }
        statistics.update {
            $0.rebalances += 1
            $0.assignedPartitions = (Set($0.assignedPartitions).union(partitions.map(\.description))).sorted()
        }
        do {
            try assignment.assign(partitions)
        } catch {
            logger.error("partition state out of step with the assignment", metadata: ["salience.error": "\(error)"])
        }
        health.update(member: member) { $0.assigned = true }
    }

    /// Restores a task per partition assigned since the last turn, then
    /// moves each to where its checkpoint left off and resumes it. A failure
    /// stops the loop rather than start a partition from a state that would
    /// break the guarantee.
    private func restoreAssigned() throws {
        let partitions = assignment.awaitingRestore
        guard !partitions.isEmpty else { return }
        if configuration.delivery == .exactlyOnce {
            // Where the output stands is read from the output topics: this
            // process's own samples still in flight (a revocation whose
            // checkpoint could not flush them, say while a broker was
            // down) must land first, or they would be written again.
            try producer.flush(timeout: configuration.shutdownTimeout)
        }
        var starts: [KafkaTopicPartitionOffset] = []
        do {
            for (partition, task) in try restorer.restore(partitions) {
                tasks[partition] = task
                try assignment.restored(partition, writtenThrough: task.outputWrittenThrough)
                if let offset = task.nextOffset { starts.append(KafkaTopicPartitionOffset(partition, offset: offset)) }
            }
        } catch {
            logger.error("cannot restore partitions", metadata: ["salience.partitions": "\(partitions)", "salience.error": "\(error)"])
            throw error
        }
        if !starts.isEmpty { try consumer.seek(starts, timeout: configuration.shutdownTimeout) }
        try consumer.resume(partitions)
        health.update(member: member) { $0.partitions = tasks.count }
    }

    /// Checkpoints and commits the partitions before giving them up.
    private func revoke(_ partitions: [KafkaTopicPartition]) {
        statistics.update {
            $0.rebalances += 1
            $0.assignedPartitions = Set($0.assignedPartitions).subtracting(partitions.map(\.description)).sorted()
        }
        let held = partitions.filter { tasks[$0] != nil }
        do {
            for partition in partitions where tasks[partition] == nil && assignment.phases[partition] == .assigned {
                try assignment.abandon(partition)
            }
            try assignment.revoke(held)
            try checkpoint(configuration.delivery == .transactional ? Array(tasks.values) : held.compactMap { tasks[$0] })
        } catch {
            logger.error("checkpoint on revocation failed; the next owner restarts from the previous checkpoint",
                         metadata: ["salience.error": "\(error)"])
            // Never sent later, when the partitions are someone else's.
            pending.removeAll { partitions.contains($0.task.partition) }
            sent.removeAll { partitions.contains($0.task.partition) }
        }
        for partition in partitions {
            tasks[partition] = nil
            partitionGauges.removeValue(forKey: partition)?.destroy()
        }
        do {
            try assignment.released(held)
        } catch {
            logger.error("partition state out of step with the assignment", metadata: ["salience.error": "\(error)"])
        }
        metrics.partitionsRevoked.increment(by: Int64(partitions.count))
        health.update(member: member) { $0.partitions = tasks.count }
    }
}
