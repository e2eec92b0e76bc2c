import Logging
import SalienceCore
import SalienceKafka

/// Records larger than one Kafka message (checkpoints, model exports), split
/// into chunks and written to one of two alternating slots.
///
/// A chunk's key is `<record key>#<slot>/<index>`, so a compacted topic keeps
/// the newest chunk of each index of each slot: a record torn by a crash
/// leaves the other slot's complete record intact. Headers carry the record
/// id (increasing), slot, chunk index and count, and total size.
enum ChunkedRecords {
    /// The partition of the record topic that holds `key`.
    static func partition(of key: String, partitions: Int32) -> Int32 {
        Int32(XXHash64.hash(key, seed: 0xC4EC_4F01) % UInt64(partitions))
    }

    /// Produces the record's chunks. `onDelivery` runs once per chunk.
    static func write(
        _ bytes: [UInt8],
        key: String,
        id: UInt64,
        topic: String,
        partitions: Int32,
        maxChunkBytes: Int,
        headers: [KafkaHeader] = [],
        producer: KafkaProducer,
        onDelivery: @escaping @Sendable (KafkaProducer.DeliveryResult) -> Void
    ) throws {
        let slot = id % 2
        let count = max(1, (bytes.count + maxChunkBytes - 1) / maxChunkBytes)
        let partition = partition(of: key, partitions: partitions)
        for index in 0..<count {
            let chunk = Array(bytes[(index * maxChunkBytes)..<min(bytes.count, (index + 1) * maxChunkBytes)])
            let message = KafkaProducerMessage(
                topic: topic,
                partition: partition,
                key: Array("\(key)#\(slot)/\(index)".utf8),
                value: chunk,
                headers: headers + [
                    KafkaHeader(key: SalienceHeader.recordID, string: String(id)),
                    KafkaHeader(key: SalienceHeader.recordSlot, string: String(slot)),
                    KafkaHeader(key: SalienceHeader.chunkIndex, string: String(index)),
                    KafkaHeader(key: SalienceHeader.chunkCount, string: String(count)),
                    KafkaHeader(key: SalienceHeader.recordBytes, string: String(bytes.count)),
                ]
            )
            try producer.send(message, onDelivery: onDelivery)
        }
    }

    /// A complete record as read back.
    struct Record {
        let id: UInt64
        let bytes: [UInt8]
        /// The headers of its first chunk.
        let headers: [KafkaHeader]
    }

    /// The newest record under `key` that `decode` accepts. Records that are
    /// torn or that `decode` refuses (corrupt, wrong version) are logged and
    /// passed over for the next older one.
    static func newest<Value>(
        key: String,
        topic: String,
        partitions: Int32,
        reader: PartitionReader,
        logger: Logger,
        decode: (Record) throws -> Value
    ) throws -> Value? {
        let partition = KafkaTopicPartition(topic: topic, partition: partition(of: key, partitions: partitions))
        let prefix = key + "#"
        var chunks: [UInt64: [Int: KafkaConsumerMessage]] = [:]
        var counts: [UInt64: Int] = [:]
        var tried = Set<UInt64>()
        var result: Value?
        try reader.scanBackward(partition) { messages in
            for message in messages {
                guard let messageKey = message.key, String(decoding: messageKey, as: UTF8.self).hasPrefix(prefix),
                      let id = message.headerNumber(SalienceHeader.recordID).map(UInt64.init),
                      let index = message.headerNumber(SalienceHeader.chunkIndex).map(Int.init),
                      let count = message.headerNumber(SalienceHeader.chunkCount).map(Int.init),
                      count > 0, (0..<count).contains(index)
                else { continue }
                chunks[id, default: [:]][index] = message
                counts[id] = count
            }
            // Newest complete record first; older ones only if newer ones fail.
            let complete = chunks.keys.filter { id in !tried.contains(id) && chunks[id]!.count == counts[id]! }.sorted(by: >)
            for id in complete {
                tried.insert(id)
                let parts = chunks[id]!
                let bytes = (0..<counts[id]!).flatMap { parts[$0]!.value }
                let record = Record(id: id, bytes: bytes, headers: parts[0]!.headers)
                do {
                    result = try decode(record)
                    return true
                } catch {
                    logger.warning("refusing a stored record; trying an older one", metadata: [
                        "salience.record.key": "\(key)", "salience.record.id": "\(id)", "salience.error": "\(error)",
                    ])
                }
            }
            return false
        }
        return result
    }
}

extension KafkaConsumerMessage {
    /// A header holding a decimal integer.
    public func headerNumber(_ name: String) -> Int64? {
        header(name).flatMap { Int64(String(decoding: $0, as: UTF8.self)) }
    }
}
