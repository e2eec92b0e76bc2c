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

    /// How many chunks a record of `bytes` bytes is written in.
    static func chunks(_ bytes: Int, maxChunkBytes: Int) -> Int {
        max(1, (bytes + maxChunkBytes - 1) / maxChunkBytes)
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
        let count = chunks(bytes.count, maxChunkBytes: maxChunkBytes)
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
        try newest(keys: [key], topic: topic, partitions: partitions, reader: reader, logger: logger) { _, record in
            try decode(record)
        }[key]
    }

    /// ``newest(key:topic:partitions:reader:logger:decode:)`` for many keys
    /// at once: each partition of the record topic is scanned backward once,
    /// until every key it holds has a record or the partition is exhausted —
    /// not once per key, which made restoring many partitions without
    /// checkpoints read the whole topic again for each.
    static func newest<Value>(
        keys: Set<String>,
        topic: String,
        partitions: Int32,
        reader: PartitionReader,
        logger: Logger,
        decode: (String, Record) throws -> Value
    ) throws -> [String: Value] {
        var results: [String: Value] = [:]
        let byPartition = Dictionary(grouping: keys) { partition(of: $0, partitions: partitions) }
        for (partition, partitionKeys) in byPartition.sorted(by: { $0.key < $1.key }) {
            var pending = Set(partitionKeys)
            var chunks: [String: [UInt64: [Int: KafkaConsumerMessage]]] = [:]
            var counts: [String: [UInt64: Int]] = [:]
            var tried: [String: Set<UInt64>] = [:]
            try reader.scanBackward(KafkaTopicPartition(topic: topic, partition: partition)) { messages in
                for message in messages {
                    guard let messageKey = message.key.map({ String(decoding: $0, as: UTF8.self) }),
                          let separator = messageKey.lastIndex(of: "#"),
                          case let recordKey = String(messageKey[..<separator]), pending.contains(recordKey),
                          let id = message.headerNumber(SalienceHeader.recordID).map(UInt64.init),
                          let index = message.headerNumber(SalienceHeader.chunkIndex).map(Int.init),
                          let count = message.headerNumber(SalienceHeader.chunkCount).map(Int.init),
                          count > 0, (0..<count).contains(index)
                    else { continue }
                    chunks[recordKey, default: [:]][id, default: [:]][index] = message
                    counts[recordKey, default: [:]][id] = count
                }
                // Per key, the newest complete record first; older ones only if newer ones fail.
                for key in pending.sorted() {
                    let keyChunks = chunks[key] ?? [:]
                    let complete = keyChunks.keys.filter { id in
                        !(tried[key]?.contains(id) ?? false) && keyChunks[id]!.count == counts[key]![id]!
                    }.sorted(by: >)
                    for id in complete {
                        tried[key, default: []].insert(id)
                        let parts = keyChunks[id]!
                        let bytes = (0..<counts[key]![id]!).flatMap { parts[$0]!.value }
                        do {
                            results[key] = try decode(key, Record(id: id, bytes: bytes, headers: parts[0]!.headers))
                            pending.remove(key)
                            break
                        } catch {
                            logger.warning("refusing a stored record; trying an older one", metadata: [
                                "salience.record.key": "\(key)", "salience.record.id": "\(id)", "salience.error": "\(error)",
                            ])
                        }
                    }
                }
                return pending.isEmpty
            }
        }
        return results
    }
}

extension ChunkedRecords {
    /// What a record topic holds of one key's records, chunk by chunk: for
    /// telling a user why none can be read (torn by a crash, or evicted by
    /// the broker's retention).
    struct Survey {
        /// One record id's chunks found.
        struct Found {
            let id: UInt64
            let count: Int
            let present: Set<Int>
        }

        let location: KafkaTopicPartition
        let low: Int64
        let high: Int64
        /// Newest record first.
        let records: [Found]

        /// A sentence per record, naming the chunks missing.
        var lines: [String] {
            guard !records.isEmpty else {
                return ["\(location) (offsets \(low)..<\(high)) holds no chunk of it"]
            }
            return records.map { record in
                let missing = (0..<record.count).filter { !record.present.contains($0) }
                guard !missing.isEmpty else { return "record \(record.id): all \(record.count) chunks present, but refused (see the warning above)" }
                let lowest = record.present.min() ?? record.count
                let evicted = low > 0 && missing.allSatisfy { $0 < lowest }
                return "record \(record.id): \(record.present.count) of \(record.count) chunks present; missing \(Self.ranges(missing))"
                    + (evicted ? " — evicted: \(location) now starts at offset \(low) (the broker's retention dropped its head)" : " — torn (a crash while it was written)")
            }
        }

        private static func ranges(_ numbers: [Int]) -> String {
            var parts: [String] = []
            var start = numbers.first ?? 0
            var previous = start
            for number in numbers.dropFirst() + [Int.min] {
                if number == previous + 1 {
                    previous = number
                    continue
                }
                parts.append(start == previous ? "\(start)" : "\(start)–\(previous)")
                start = number
                previous = number
            }
            return parts.joined(separator: ", ")
        }
    }

    /// Reads the whole partition that holds `key` and lists its records' chunks.
    static func survey(key: String, topic: String, partitions: Int32, reader: PartitionReader) throws -> Survey {
        let location = KafkaTopicPartition(topic: topic, partition: partition(of: key, partitions: partitions))
        let (low, high) = try reader.watermarks(location)
        var counts: [UInt64: Int] = [:]
        var present: [UInt64: Set<Int>] = [:]
        try reader.scanBackward(location) { messages in
            for message in messages {
                guard let messageKey = message.key.map({ String(decoding: $0, as: UTF8.self) }),
                      messageKey.hasPrefix(key + "#"),
                      let id = message.headerNumber(SalienceHeader.recordID).map(UInt64.init),
                      let index = message.headerNumber(SalienceHeader.chunkIndex).map(Int.init),
                      let count = message.headerNumber(SalienceHeader.chunkCount).map(Int.init)
                else { continue }
                counts[id] = count
                present[id, default: []].insert(index)
            }
            return false
        }
        return Survey(
            location: location, low: low, high: high,
            records: counts.keys.sorted(by: >).map { Survey.Found(id: $0, count: counts[$0]!, present: present[$0]!) }
        )
    }
}

extension KafkaConsumerMessage {
    /// A header holding a decimal integer.
    public func headerNumber(_ name: String) -> Int64? {
        header(name).flatMap { Int64(String(decoding: $0, as: UTF8.self)) }
    }
}
