/// A message header: a name and an optional value.
public struct KafkaHeader: Hashable, Sendable {
    public var key: String
    public var value: [UInt8]?

    public init(key: String, value: [UInt8]?) {
        self.key = key
        self.value = value
    }

    /// A header whose value is the UTF-8 bytes of `value`.
    public init(key: String, string value: String) {
        self.init(key: key, value: Array(value.utf8))
    }
}

/// A message's timestamp and what it means.
public struct KafkaTimestamp: Hashable, Sendable {
    /// Who set the timestamp.
    public enum Kind: Hashable, Sendable {
        /// The producer, at creation.
        case createTime
        /// The broker, when it appended the message.
        case logAppendTime
    }

    /// Milliseconds since the Unix epoch.
    public var milliseconds: Int64
    public var kind: Kind

    public init(milliseconds: Int64, kind: Kind) {
        self.milliseconds = milliseconds
        self.kind = kind
    }
}

/// A message read by a ``KafkaConsumer``.
public struct KafkaConsumerMessage: Hashable, Sendable {
    public var topic: String
    public var partition: Int32
    public var offset: Int64
    public var key: [UInt8]?
    public var value: [UInt8]
    public var headers: [KafkaHeader]
    public var timestamp: KafkaTimestamp?

    public init(
        topic: String,
        partition: Int32,
        offset: Int64,
        key: [UInt8]?,
        value: [UInt8],
        headers: [KafkaHeader],
        timestamp: KafkaTimestamp?
    ) {
        self.topic = topic
        self.partition = partition
        self.offset = offset
        self.key = key
        self.value = value
        self.headers = headers
        self.timestamp = timestamp
    }

    public var topicPartition: KafkaTopicPartition {
        KafkaTopicPartition(topic: topic, partition: partition)
    }

    /// The first header named `key`, if any.
    public func header(_ key: String) -> [UInt8]? {
        headers.first { $0.key == key }?.value ?? nil
    }
}

/// A message to send with a ``KafkaProducer``.
public struct KafkaProducerMessage: Hashable, Sendable {
    public var topic: String
    /// The partition, or `nil` for the configured partitioner (by key).
    public var partition: Int32?
    public var key: [UInt8]?
    public var value: [UInt8]
    /// A null value (a tombstone: a compacted topic drops the key's earlier messages); `value` is then empty.
    public var isTombstone = false
    public var headers: [KafkaHeader]
    /// Creation time in milliseconds since the epoch, or `nil` for now.
    public var timestampMilliseconds: Int64?

    /// A tombstone for `key`: a message with a null value.
    public init(topic: String, partition: Int32? = nil, key: [UInt8], tombstone: Void) {
        self.init(topic: topic, partition: partition, key: key, value: [])
        isTombstone = true
    }

    public init(
        topic: String,
        partition: Int32? = nil,
        key: [UInt8]? = nil,
        value: [UInt8],
        headers: [KafkaHeader] = [],
        timestampMilliseconds: Int64? = nil
    ) {
        self.topic = topic
        self.partition = partition
        self.key = key
        self.value = value
        self.headers = headers
        self.timestampMilliseconds = timestampMilliseconds
    }
}

/// Where a produced message was written.
public struct KafkaDeliveryReceipt: Hashable, Sendable {
    public var topic: String
    public var partition: Int32
    public var offset: Int64
    public var timestamp: KafkaTimestamp?

    public init(topic: String, partition: Int32, offset: Int64, timestamp: KafkaTimestamp?) {
        self.topic = topic
        self.partition = partition
        self.offset = offset
        self.timestamp = timestamp
    }
}
