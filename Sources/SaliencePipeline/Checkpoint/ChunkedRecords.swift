import Logging
import SalienceCore
import SalienceKafka

/// Records larger than one Kafka message (checkpoint parts, model
/// exports), split into chunks.
///
/// A chunk's key is `<record key>#<name>/<index>`: a compacted topic keeps
/// the newest chunk of each index of each name, so writers choose names to
/// say what compaction may replace (two alternating names keep the previous
/// record while the next is written). Every record of a key goes to the same
/// partition. Headers carry the record id (increasing), chunk index and
/// count, and total size.
enum ChunkedRecords {
    /// The partition of the record topic that holds `key`.
    static func partition(of key: String, partitions: Int32) -> Int32 {
        Int32(XXHash64.hash(key, seed: 0xC4EC_4F01) % UInt64(partitions))
    }

    /// How many chunks a record of `bytes` bytes is written in.
    static func chunks(_ bytes: Int, maxChunkBytes: Int) -> Int {
        max(1, (bytes + maxChunkBytes - 1) / maxChunkBytes)
    }

    /// The message key of chunk `index` of record `name` under `key`.
    static func messageKey(_ key: String, name: String, index: Int) -> [UInt8] {
        Array("\(key)#\(name)/\(index)".utf8)
    }

    /// Produces the record's chunks. `onDelivery` runs once per chunk.
    static func write(
        _ bytes: [UInt8],
        key: String,
        name: String,
        id: UInt64,
        topic: String,
        partitions: Int32,
        maxChunkBytes: Int,
        headers: [KafkaHeader] = [],
        producer: any RecordSink,
        onDelivery: @escaping @Sendable (KafkaProducer.DeliveryResult) -> Void
    ) throws {
        let count = chunks(bytes.count, maxChunkBytes: maxChunkBytes)
        let partition = partition(of: key, partitions: partitions)
        for index in 0..<count {
            let chunk = Array(bytes[(index * maxChunkBytes)..<min(bytes.count, (index + 1) * maxChunkBytes)])
            let message = KafkaProducerMessage(
                topic: topic,
                partition: partition,
                key: messageKey(key, name: name, index: index),
                value: chunk,
                headers: headers + [
                    KafkaHeader(key: SalienceHeader.recordID, string: String(id)),
                    KafkaHeader(key: SalienceHeader.chunkIndex, string: String(index)),
                    KafkaHeader(key: SalienceHeader.chunkCount, string: String(count)),
                    KafkaHeader(key: SalienceHeader.recordBytes, string: String(bytes.count)),
                ]
            )
            try producer.send(message, onDelivery: onDelivery)
        }
    }

    /// Produces tombstones for the `chunks` chunks of record `name` under
    /// `key`, so a compacted topic drops them.
    static func delete(
        key: String, name: String, chunks: Int, topic: String, partitions: Int32, producer: any RecordSink,
        onDelivery: @escaping @Sendable (KafkaProducer.DeliveryResult) -> Void
    ) throws {
        let partition = partition(of: key, partitions: partitions)
        for index in 0..<chunks {
            try producer.send(
                KafkaProducerMessage(topic: topic, partition: partition, key: messageKey(key, name: name, index: index), tombstone: ()),
                onDelivery: onDelivery
            )
        }
    }

    /// Complete records by name and record id: what a scan found of one key.
    typealias Found = [String: [UInt64: [UInt8]]]

    /// What one partition's backward scan in ``collect(keys:topic:partitions:reader:settle:)`` has found so far.
    private struct Scan {
        var pending: Set<String>
        // Chunks of records not yet complete; a record is joined once, when its last chunk comes.
        var chunks: [String: [String: [UInt64: [Int: [UInt8]]]]] = [:]
        var counts: [String: [String: [UInt64: Int]]] = [:]
        var complete: [String: Found] = [:]
    }

    /// Collects the complete records under each of `keys`, scanning each
    /// partition of the record topic backward once, until `settle` gives a
    /// key's answer from what was found so far: it is asked after every
    /// window (with `exhausted` false) and, for keys still open, once the
    /// partition was read to its start (`exhausted` true, when it must answer).
    /// Where a record's chunk was written twice (a torn write, then the
    /// rewrite), the newer chunk counts.
    static func collect<Value>(
        keys: Set<String>,
        topic: String,
        partitions: Int32,
        reader: any PartitionReading,
        settle: (String, Found, _ exhausted: Bool) -> Value?
    ) throws -> [String: Value] {
        var results: [String: Value] = [:]
        var scans = Dictionary(grouping: keys) { partition(of: $0, partitions: partitions) }.mapValues { Scan(pending: Set($0)) }
        let locations = scans.keys.sorted().map { KafkaTopicPartition(topic: topic, partition: $0) }
        // All partitions at once: a window of each per round trip.
        try reader.scanBackward(locations) { location, messages in
            var scan = scans[location.partition]!
            defer { scans[location.partition] = scan }
            for message in messages {
                guard let messageKey = message.key.map({ String(decoding: $0, as: UTF8.self) }),
                      let separator = messageKey.lastIndex(of: "#"),
                      case let recordKey = String(messageKey[..<separator]), scan.pending.contains(recordKey),
                      let slash = messageKey.lastIndex(of: "/"), slash > separator,
                      case let name = String(messageKey[messageKey.index(after: separator)..<slash]),
                      let id = message.headerNumber(SalienceHeader.recordID).map(UInt64.init),
                      let index = message.headerNumber(SalienceHeader.chunkIndex).map(Int.init),
                      let count = message.headerNumber(SalienceHeader.chunkCount).map(Int.init),
                      count > 0, (0..<count).contains(index),
                      scan.complete[recordKey]?[name]?[id] == nil, scan.chunks[recordKey]?[name]?[id]?[index] == nil
                else { continue }
                if let known = scan.counts[recordKey]?[name]?[id], known != count { continue }
                scan.chunks[recordKey, default: [:]][name, default: [:]][id, default: [:]][index] = message.value
                scan.counts[recordKey, default: [:]][name, default: [:]][id] = count
                if let parts = scan.chunks[recordKey]?[name]?[id], parts.count == count {
                    scan.complete[recordKey, default: [:]][name, default: [:]][id] = (0..<count).flatMap { parts[$0]! }
                    scan.chunks[recordKey]?[name]?[id] = nil
                }
            }
            for key in scan.pending.sorted() {
                if let value = settle(key, scan.complete[key] ?? [:], false) {
                    results[key] = value
                    scan.pending.remove(key)
                }
            }
            return scan.pending.isEmpty
        }
        for partition in scans.keys.sorted() {
            let scan = scans[partition]!
            for key in scan.pending.sorted() {
                if let value = settle(key, scan.complete[key] ?? [:], true) { results[key] = value }
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
        /// One record's chunks found.
        struct Record {
            let name: String
            let id: UInt64
            let count: Int
            let present: Set<Int>
        }

        let location: KafkaTopicPartition
        let low: Int64
        let high: Int64
        /// Newest record first.
        let records: [Record]

        /// A sentence per record, naming the chunks missing.
        var lines: [String] {
            guard !records.isEmpty else {
                return ["\(location) (offsets \(low)..<\(high)) holds no chunk of it"]
            }
            return records.map { record in
                let missing = (0..<record.count).filter { !record.present.contains($0) }
                let name = "\(record.name) of generation \(record.id)"
                guard !missing.isEmpty else { return "\(name): all \(record.count) chunks present" }
                let lowest = record.present.min() ?? record.count
                let evicted = low > 0 && missing.allSatisfy { $0 < lowest }
                return "\(name): \(record.present.count) of \(record.count) chunks present; missing \(Self.ranges(missing))"
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
    static func survey(key: String, topic: String, partitions: Int32, reader: any PartitionReading) throws -> Survey {
        let location = KafkaTopicPartition(topic: topic, partition: partition(of: key, partitions: partitions))
        let (low, high) = try reader.bounds([location])[location]!
        struct RecordID: Hashable {
            let name: String
            let id: UInt64
        }
        var counts: [RecordID: Int] = [:]
        var present: [RecordID: Set<Int>] = [:]
        try reader.scanBackward(location) { messages in
            for message in messages {
                guard let messageKey = message.key.map({ String(decoding: $0, as: UTF8.self) }),
                      messageKey.hasPrefix(key + "#"), let slash = messageKey.lastIndex(of: "/"),
                      case let name = String(messageKey[messageKey.index(messageKey.startIndex, offsetBy: key.count + 1)..<slash]),
                      let id = message.headerNumber(SalienceHeader.recordID).map(UInt64.init),
                      let index = message.headerNumber(SalienceHeader.chunkIndex).map(Int.init),
                      let count = message.headerNumber(SalienceHeader.chunkCount).map(Int.init)
                else { continue }
                counts[RecordID(name: name, id: id)] = count
                present[RecordID(name: name, id: id), default: []].insert(index)
            }
            return false
        }
        return Survey(
            location: location, low: low, high: high,
            records: counts.keys.sorted { ($0.id, $0.name) > ($1.id, $1.name) }.map {
                Survey.Record(name: $0.name, id: $0.id, count: counts[$0]!, present: present[$0]!)
            }
        )
    }
}

extension KafkaConsumerMessage {
    /// A header holding a decimal integer.
    public func headerNumber(_ name: String) -> Int64? {
        header(name).flatMap { Int64(String(decoding: $0, as: UTF8.self)) }
    }
}
