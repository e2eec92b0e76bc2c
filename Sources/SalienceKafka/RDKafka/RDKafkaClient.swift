import CRdKafka
import Logging
import Synchronization

/// Per-handle state reachable from librdkafka's callbacks through the
/// configuration opaque.
final class RDKafkaClientContext: @unchecked Sendable {
    // Immutable after init; librdkafka's callbacks only read it.
    let logger: Logger
    /// Called on the polling thread for each rebalance.
    let rebalance: (@Sendable (RDKafkaRebalance) -> Void)?
    /// A producer's outstanding messages, found again by sequence number in
    /// their delivery reports.
    let deliveries: DeliveryWindow?
    /// Topic names by topic handle, so a delivery report names its topic
    /// without making a string.
    let topicNames = Mutex<[UInt: String]>([:])
    /// Holds back librdkafka's repeated log lines (a broker down floods them).
    let logThrottle = Mutex(KafkaLogThrottle())

    init(logger: Logger, rebalance: (@Sendable (RDKafkaRebalance) -> Void)? = nil, deliveries: DeliveryWindow? = nil) {
        self.logger = logger
        self.rebalance = rebalance
        self.deliveries = deliveries
    }

    /// The name of the topic behind `handle`, made once per topic (checked
    /// against librdkafka's, in case a handle is ever reused for another topic).
    func topicName(_ handle: OpaquePointer) -> String {
        let name = rd_kafka_topic_name(handle)!
        let key = UInt(bitPattern: handle)
        return topicNames.withLock { names in
            if let known = names[key], Self.spells(known, name) { return known }
            let made = String(cString: name)
            names[key] = made
            return made
        }
    }

    private static func spells(_ string: String, _ name: UnsafePointer<CChar>) -> Bool {
        var index = 0
        for byte in string.utf8 {
            guard UInt8(bitPattern: name[index]) == byte else { return false }
            index += 1
        }
        return name[index] == 0
    }
}

/// Owns one `rd_kafka_t` handle; destroys it on deinit.
///
/// librdkafka handles are thread-safe, which is why the class may be shared.
final class RDKafkaClient: @unchecked Sendable {
    enum Kind {
        case producer, consumer

        var cValue: rd_kafka_type_t { self == .producer ? RD_KAFKA_PRODUCER : RD_KAFKA_CONSUMER }
    }

    let handle: OpaquePointer
    private let context: Unmanaged<RDKafkaClientContext>

    /// The name of the topic behind `handle`, made once per topic.
    func topicName(_ handle: OpaquePointer) -> String {
        context.takeUnretainedValue().topicName(handle)
    }

    init(
        kind: Kind,
        properties: [String: String],
        context: RDKafkaClientContext,
        configure: (OpaquePointer) -> Void = { _ in }
    ) throws {
        let conf = try RDKafkaConfig.make(properties)
        let context = Unmanaged.passRetained(context)
        rd_kafka_conf_set_opaque(conf, context.toOpaque())
        rd_kafka_conf_set_log_cb(conf) { handle, level, facility, message in
            guard let handle, let opaque = rd_kafka_opaque(handle) else { return }
            let context = Unmanaged<RDKafkaClientContext>.fromOpaque(opaque).takeUnretainedValue()
            let text = message.map { String(cString: $0) } ?? ""
            let facility = facility.map { String(cString: $0) } ?? ""
            var metadata: Logger.Metadata = ["kafka.facility": "\(facility)"]
            // Debug lines (librdkafka's `debug` property) all pass: whoever asked for them wants them.
            if level < 7 {
                let decision = context.logThrottle.withLock { $0.decide(facility: facility, message: text, now: .now) }
                guard case .log(let heldBack) = decision else { return }
                if heldBack > 0 { metadata["kafka.held_back"] = "\(heldBack)" }
            }
            context.logger.log(level: RDKafkaClient.logLevel(syslog: level), "\(text)", metadata: metadata)
        }
        if context.takeUnretainedValue().rebalance != nil {
            rd_kafka_conf_set_rebalance_cb(conf) { handle, err, partitions, opaque in
                guard let handle, let partitions, let opaque else { return }
                let context = Unmanaged<RDKafkaClientContext>.fromOpaque(opaque).takeUnretainedValue()
                context.rebalance?(RDKafkaRebalance(handle: handle, err: err, list: partitions))
            }
        }
        configure(conf)
        var errorText = [CChar](repeating: 0, count: 512)
        guard let handle = rd_kafka_new(kind.cValue, conf, &errorText, errorText.count) else {
            rd_kafka_conf_destroy(conf)
            context.release()
            let reason = String(decoding: errorText.prefix { $0 != 0 }.map { UInt8(bitPattern: $0) }, as: UTF8.self)
            throw KafkaError(code: .invalidConfiguration, name: "CONF_INVALID", message: "cannot create client: \(reason)", severity: .permanent)
        }
        self.handle = handle
        self.context = context
    }

    deinit {
        rd_kafka_destroy(handle)
        context.release()
    }

    /// The client's fatal error, if it has one.
    func fatalError() -> KafkaError? {
        var text = [CChar](repeating: 0, count: 512)
        let err = rd_kafka_fatal_error(handle, &text, text.count)
        guard err != RD_KAFKA_RESP_ERR_NO_ERROR else { return nil }
        return KafkaError.from(err, context: String(decoding: text.prefix { $0 != 0 }.map { UInt8(bitPattern: $0) }, as: UTF8.self), fatal: true)
    }

    /// Broker metadata: topics and their partitions.
    func metadata(topic: String?, timeout: Duration) throws -> [KafkaTopicDescription] {
        var metadata: UnsafePointer<rd_kafka_metadata>?
        var topicHandle: OpaquePointer?
        if let topic { topicHandle = rd_kafka_topic_new(handle, topic, nil) }
        defer { if let topicHandle { rd_kafka_topic_destroy(topicHandle) } }
        let err = rd_kafka_metadata(handle, topicHandle == nil ? 1 : 0, topicHandle, &metadata, timeout.timeoutMilliseconds)
        guard err == RD_KAFKA_RESP_ERR_NO_ERROR, let metadata else {
            throw KafkaError.from(err, context: "metadata request")
        }
        defer { rd_kafka_metadata_destroy(metadata) }
        var topics: [KafkaTopicDescription] = []
        for topicIndex in 0..<Int(metadata.pointee.topic_cnt) {
            let topicMetadata = metadata.pointee.topics[topicIndex]
            if topicMetadata.err != RD_KAFKA_RESP_ERR_NO_ERROR {
                throw KafkaError.from(topicMetadata.err, context: "metadata of topic '\(String(cString: topicMetadata.topic))'")
            }
            var partitions: [KafkaPartitionDescription] = []
            for partitionIndex in 0..<Int(topicMetadata.partition_cnt) {
                let partition = topicMetadata.partitions[partitionIndex]
                let replicas = (0..<Int(partition.replica_cnt)).map { partition.replicas[$0] }
                partitions.append(KafkaPartitionDescription(id: partition.id, leader: partition.leader, replicas: replicas))
            }
            topics.append(KafkaTopicDescription(
                name: String(cString: topicMetadata.topic),
                partitions: partitions.sorted { $0.id < $1.id }
            ))
        }
        return topics.sorted { $0.name < $1.name }
    }

    /// The ids of the cluster's brokers, sorted.
    func brokerIDs(timeout: Duration) throws -> [Int32] {
        var metadata: UnsafePointer<rd_kafka_metadata>?
        let err = rd_kafka_metadata(handle, 0, nil, &metadata, timeout.timeoutMilliseconds)
        guard err == RD_KAFKA_RESP_ERR_NO_ERROR, let metadata else {
            throw KafkaError.from(err, context: "metadata request")
        }
        defer { rd_kafka_metadata_destroy(metadata) }
        return (0..<Int(metadata.pointee.broker_cnt)).map { metadata.pointee.brokers[$0].id }.sorted()
    }

    private static func logLevel(syslog level: Int32) -> Logger.Level {
        switch level {
        case ...3: .error
        case 4: .warning
        case 5, 6: .info
        default: .debug
        }
    }
}
