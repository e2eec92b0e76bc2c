/// The messages of one ``KafkaConsumer/poll(into:maxMessages:timeout:partitionEnds:)``,
/// their keys, values and headers copied into one buffer that the next poll
/// reuses: a loop that polls into the same batch allocates nothing per
/// message once the buffer has grown to its batches' size (the per-message
/// ``KafkaConsumerMessage`` holds arrays of its own: two or more
/// allocations each).
///
/// A ``Message`` is only a position in its batch: read its bytes through
/// the batch, before the next poll into it.
public struct KafkaMessageBatch: Sendable {
    /// One message: where it came from, and where its bytes are in the batch.
    public struct Message: Hashable, Sendable {
        public let topicPartition: KafkaTopicPartition
        public let offset: Int64
        public let timestamp: KafkaTimestamp?
        fileprivate let key: Range<Int>?
        fileprivate let value: Range<Int>
        fileprivate let headers: Range<Int>

        public var partition: Int32 { topicPartition.partition }
    }

    private struct Header: Sendable {
        let name: Range<Int>
        let value: Range<Int>?
    }

    /// The messages in the order the consumer returned them.
    public private(set) var messages: [Message] = []
    private var bytes: [UInt8] = []
    private var headerEntries: [Header] = []

    /// Whether polls copy the messages' headers; a consumer that reads none
    /// saves librdkafka a list allocated per message that has any.
    public let keepsHeaders: Bool

    /// - Parameter keepingHeaders: Whether polls copy the messages' headers
    ///   (without, ``headers(of:)`` is empty). Default: true.
    public init(keepingHeaders: Bool = true) {
        keepsHeaders = keepingHeaders
    }

    public var count: Int { messages.count }
    public var isEmpty: Bool { messages.isEmpty }

    /// Forgets every message, keeping the buffers' capacity.
    public mutating func removeAll() {
        messages.removeAll(keepingCapacity: true)
        bytes.removeAll(keepingCapacity: true)
        headerEntries.removeAll(keepingCapacity: true)
    }

    /// Forgets the messages of the partitions for which `shouldRemove` holds
    /// (their bytes stay in the buffer until ``removeAll()``).
    public mutating func removeMessages(where shouldRemove: (KafkaTopicPartition) -> Bool) {
        messages.removeAll { shouldRemove($0.topicPartition) }
    }

    /// Adds a message, copying its bytes: what a poll does for each message
    /// it takes from librdkafka, and what a test does to make a batch.
    public mutating func append(
        _ topicPartition: KafkaTopicPartition, offset: Int64, key: [UInt8]?, value: [UInt8],
        headers: [KafkaHeader] = [], timestamp: KafkaTimestamp? = nil
    ) {
        let firstHeader = headerEntries.count
        for header in headers where keepsHeaders {
            let name = store(Array(header.key.utf8))
            headerEntries.append(Header(name: name, value: header.value.map { store($0) }))
        }
        let key = key.map { store($0) }
        let value = store(value)
        appendMessage(topicPartition, offset: offset, key: key, value: value, headersFrom: firstHeader, timestamp: timestamp)
    }

    /// The message's key, sharing the batch's buffer.
    public func key(of message: Message) -> ArraySlice<UInt8>? {
        message.key.map { bytes[$0] }
    }

    /// The message's value, sharing the batch's buffer.
    public func value(of message: Message) -> ArraySlice<UInt8> {
        bytes[message.value]
    }

    /// Calls `body` with the message's value in place.
    public func withValue<Result, Failure: Error>(
        of message: Message, _ body: (UnsafeRawBufferPointer) throws(Failure) -> Result
    ) throws(Failure) -> Result {
        let result: Swift.Result<Result, Failure> = bytes.withUnsafeBytes { buffer in
            do throws(Failure) {
                return .success(try body(UnsafeRawBufferPointer(rebasing: buffer[message.value])))
            } catch {
                return .failure(error)
            }
        }
        return try result.get()
    }

    /// The message's headers, as new values.
    public func headers(of message: Message) -> [KafkaHeader] {
        headerEntries[message.headers].map { header in
            KafkaHeader(key: String(decoding: bytes[header.name], as: UTF8.self), value: header.value.map { Array(bytes[$0]) })
        }
    }

    /// The message as a value of its own, its bytes copied.
    public func consumerMessage(_ message: Message) -> KafkaConsumerMessage {
        KafkaConsumerMessage(
            topic: message.topicPartition.topic, partition: message.partition, offset: message.offset,
            key: key(of: message).map(Array.init), value: Array(value(of: message)),
            headers: headers(of: message), timestamp: message.timestamp
        )
    }

    // MARK: Filling, for the librdkafka side

    /// Copies `source` to the end of the buffer and returns where it went.
    mutating func store(_ source: UnsafeRawBufferPointer) -> Range<Int> {
        let start = bytes.count
        bytes.append(contentsOf: source)
        return start..<bytes.count
    }

    private mutating func store(_ source: [UInt8]) -> Range<Int> {
        source.withUnsafeBytes { store($0) }
    }

    /// Records a header whose name and value are already stored.
    mutating func appendHeader(name: Range<Int>, value: Range<Int>?) {
        headerEntries.append(Header(name: name, value: value))
    }

    /// The index the next message's first header will have.
    var nextHeaderIndex: Int { headerEntries.count }

    /// Records a message whose bytes are already stored; its headers are
    /// those appended since `firstHeader`.
    mutating func appendMessage(
        _ topicPartition: KafkaTopicPartition, offset: Int64, key: Range<Int>?, value: Range<Int>,
        headersFrom firstHeader: Int, timestamp: KafkaTimestamp?
    ) {
        messages.append(Message(
            topicPartition: topicPartition, offset: offset, timestamp: timestamp,
            key: key, value: value, headers: firstHeader..<headerEntries.count
        ))
    }
}
