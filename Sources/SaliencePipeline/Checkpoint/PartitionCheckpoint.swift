import SalienceCore

/// The checkpoint of one input partition: where it stands in the input and
/// its estimator state as one generation — a full state and the change sets
/// written after it (Schemas/README.md, "Checkpoints").
public struct PartitionCheckpoint: Sendable {
    /// The consumer group whose checkpoint it is.
    public var group: String
    /// The input topic.
    public var topic: String
    /// The input partition.
    public var partition: Int32
    /// The first input offset not reflected in the state.
    public var nextOffset: Int64
    /// Counts the partition's checkpoints (the record id in the checkpoint topic).
    public var generation: UInt64
    /// The full estimator state the generation builds on (its own framed bytes).
    public var estimatorState: [UInt8]
    /// The estimator's change sets written after the full state, oldest first.
    public var estimatorChanges: [[UInt8]]

    /// A checkpoint of `partition` of `topic` for `group`.
    public init(
        group: String, topic: String, partition: Int32, nextOffset: Int64, generation: UInt64,
        estimatorState: [UInt8], estimatorChanges: [[UInt8]] = []
    ) {
        self.group = group
        self.topic = topic
        self.partition = partition
        self.nextOffset = nextOffset
        self.generation = generation
        self.estimatorState = estimatorState
        self.estimatorChanges = estimatorChanges
    }

    /// The key of a partition's checkpoints: `group/topic/partition`.
    public static func key(group: String, topic: String, partition: Int32) -> String {
        "\(group)/\(topic)/\(partition)"
    }

    /// ``key(group:topic:partition:)`` of this checkpoint.
    public var key: String { Self.key(group: group, topic: topic, partition: partition) }

    /// The estimator this checkpoint holds.
    ///
    /// - Throws: ``StateDecodingError`` when a state does not decode under `configuration`.
    public func estimator(configuration: EstimatorConfiguration) throws -> ImportanceEstimator {
        try ImportanceEstimator(configuration: configuration, restoring: estimatorState, changes: estimatorChanges)
    }

    /// Refuses a checkpoint whose state was written under another estimator
    /// configuration than `fingerprint`, naming both and ending with `advice`
    /// (what to do, which depends on who asks).
    ///
    /// - Throws: ``PipelineError`` (`incompatibleCheckpoint`).
    public func requireConfiguration(_ fingerprint: UInt64, advice: String) throws {
        let header = try StateEnvelope.header(of: estimatorState)
        guard header.fingerprint == fingerprint else {
            throw PipelineError(
                .incompatibleCheckpoint,
                "the checkpoint of \(topic)/\(partition) was written under estimator configuration \(String(header.fingerprint, radix: 16)); this run's is \(String(fingerprint, radix: 16)). \(advice)"
            )
        }
    }
}

/// One stored piece of a checkpoint generation: a full state or a change
/// set, compressed and framed.
public struct CheckpointPart: Sendable, Hashable {
    /// What the part holds.
    public enum Kind: UInt8, Sendable {
        case full = 0
        case changes = 1
    }

    /// Full state or change set.
    public var kind: Kind
    /// The generation that wrote it.
    public var generation: UInt64
    /// Where it is kept: `full-0` or `full-1` (full states alternate between
    /// two names, so a torn one leaves the previous intact) or
    /// `changes-<generation>`; the record key's suffix and the file name's.
    public var name: String
    /// The stored bytes.
    public var bytes: [UInt8]

    /// The part holding `state` (an estimator's full state or change set).
    public init(kind: Kind, generation: UInt64, fullSlot: Int, state: [UInt8], fingerprint: UInt64) {
        self.kind = kind
        self.generation = generation
        name = kind == .full ? "full-\(fullSlot)" : "changes-\(generation)"
        var framed = BinaryWriter(capacity: 64)
        framed.write(generation)
        framed.write(kind.rawValue)
        framed.write(UInt64(state.count))
        var payload = framed.bytes
        payload.append(contentsOf: Zstd.compress(state))
        bytes = StateEnvelope.seal(payload, fingerprint: fingerprint)
    }

    /// The estimator state held in stored `bytes`.
    ///
    /// - Throws: ``StateDecodingError`` when they are not an intact part.
    public static func state(of bytes: [UInt8]) throws -> [UInt8] {
        let framed = try StateEnvelope.open(bytes, expectedFingerprint: nil)
        var reader = BinaryReader(framed)
        _ = try reader.read(UInt64.self)
        _ = try reader.read(UInt8.self)
        let size = try reader.read(UInt64.self)
        do {
            return try Zstd.decompress(framed[reader.offset...], expectedCount: Int(clamping: size))
        } catch {
            throw StateDecodingError(.malformed, error.description)
        }
    }

    /// The generation stored parts and manifests say they belong to (the
    /// first field of both), read without checking them; `nil` when the
    /// bytes are too short to say.
    static func storedGeneration(of bytes: [UInt8]) -> UInt64? {
        guard (try? StateEnvelope.header(of: bytes)) != nil else { return nil }
        var reader = BinaryReader(bytes, offset: StateEnvelope.headerSize)
        return try? reader.read(UInt64.self)
    }
}

/// The last record of a checkpoint generation: where the partition stands
/// and which parts make up its state, with their sizes and checksums. It is
/// written after the parts, so a generation without one was torn.
public struct CheckpointManifest: Sendable, Equatable {
    /// A part the generation needs.
    public struct Entry: Sendable, Hashable {
        /// Full state or change set.
        public var kind: CheckpointPart.Kind
        /// The generation that wrote the part.
        public var generation: UInt64
        /// Its name (``CheckpointPart/name``).
        public var name: String
        /// Its stored size.
        public var byteCount: Int
        /// CRC-32C of the stored bytes.
        public var checksum: UInt32
        /// How many messages the part was written in (for deleting it from a compacted topic).
        public var chunks: Int
    }

    /// The consumer group whose checkpoint it is.
    public var group: String
    /// The input topic.
    public var topic: String
    /// The input partition.
    public var partition: Int32
    /// The first input offset not reflected in the state.
    public var nextOffset: Int64
    /// This generation's number.
    public var generation: UInt64
    /// The largest event time (epoch ms) the state reflects; `nil` before the first event.
    public var maxEventTime: Int64?
    /// The full state first, then the change sets in the order written.
    public var parts: [Entry]


    /// The entry of a stored part written in chunks of `maxChunkBytes`.
    public static func entry(_ part: CheckpointPart, maxChunkBytes: Int) -> Entry {
        Entry(
            kind: part.kind, generation: part.generation, name: part.name, byteCount: part.bytes.count,
            checksum: CRC32C.checksum(part.bytes), chunks: ChunkedRecords.chunks(part.bytes.count, maxChunkBytes: maxChunkBytes)
        )
    }

    /// The name a generation's manifest is kept under: two alternate, so
    /// a compacted topic keeps the previous one to fall back on.
    static func name(generation: UInt64) -> String { "manifest-\(generation % 2)" }

    /// Framed bytes, under the estimator's fingerprint.
    public func encoded(fingerprint: UInt64) -> [UInt8] {
        var writer = BinaryWriter(capacity: 128 + 64 * parts.count)
        writer.write(generation)
        writer.write(group)
        writer.write(topic)
        writer.write(UInt32(bitPattern: partition))
        writer.write(nextOffset)
        writer.write(maxEventTime != nil)
        writer.write(maxEventTime ?? 0)
        writer.write(UInt32(parts.count))
        for part in parts {
            writer.write(part.kind.rawValue)
            writer.write(part.generation)
            writer.write(part.name)
            writer.write(UInt64(part.byteCount))
            writer.write(part.checksum)
            writer.write(UInt32(part.chunks))
        }
        return StateEnvelope.seal(writer.bytes, fingerprint: fingerprint)
    }

    /// Reads framed bytes, refusing truncated, corrupted, other-version input
    /// and a part list that is not one full state followed by change sets.
    public static func decode(_ bytes: [UInt8]) throws -> CheckpointManifest {
        var reader = BinaryReader(try StateEnvelope.open(bytes, expectedFingerprint: nil))
        let generation = try reader.read(UInt64.self)
        let group = try reader.read(String.self)
        let topic = try reader.read(String.self)
        let partition = Int32(bitPattern: try reader.read(UInt32.self))
        let nextOffset = try reader.read(Int64.self)
        let hasEventTime = try reader.read(Bool.self)
        let eventTime = try reader.read(Int64.self)
        let count = try reader.read(UInt32.self)
        guard count >= 1, Int(count) <= reader.remaining / 20 else {
            throw StateDecodingError(.malformed, "a manifest of \(count) parts")
        }
        var parts: [Entry] = []
        for _ in 0..<count {
            guard let kind = CheckpointPart.Kind(rawValue: try reader.read(UInt8.self)) else {
                throw StateDecodingError(.malformed, "a manifest part of unknown kind")
            }
            parts.append(Entry(
                kind: kind, generation: try reader.read(UInt64.self), name: try reader.read(String.self),
                byteCount: Int(clamping: try reader.read(UInt64.self)), checksum: try reader.read(UInt32.self),
                chunks: Int(try reader.read(UInt32.self))
            ))
        }
        guard reader.remaining == 0 else { throw StateDecodingError(.malformed, "\(reader.remaining) bytes after the manifest") }
        guard parts[0].kind == .full, parts.dropFirst().allSatisfy({ $0.kind == .changes }),
              zip(parts, parts.dropFirst()).allSatisfy({ $0.generation < $1.generation }), parts.last!.generation <= generation
        else {
            throw StateDecodingError(.malformed, "the manifest of generation \(generation) does not list one full state and then change sets in order")
        }
        return CheckpointManifest(
            group: group, topic: topic, partition: partition, nextOffset: nextOffset, generation: generation,
            maxEventTime: hasEventTime ? eventTime : nil, parts: parts
        )
    }
}

extension CheckpointManifest {
    /// The next checkpoint of `estimator` (its change set since the last
    /// checkpoint, or its full state) after `previous`: the part to write and
    /// the manifest that lists it. A full state when there is no previous
    /// generation to build on, when `fullDue`, when `previous` lists
    /// `fullEvery` parts already, or when the change sets since its full state
    /// would outgrow twice that full state; it alternates between the two full names.
    public static func next(
        after previous: CheckpointManifest?, of estimator: ImportanceEstimator,
        group: String, topic: String, partition: Int32, nextOffset: Int64, generation: UInt64,
        fullEvery: Int, fullDue: Bool = false, maxChunkBytes: Int
    ) -> (part: CheckpointPart, manifest: CheckpointManifest) {
        let fingerprint = estimator.configuration.fingerprint
        var part: CheckpointPart?
        if let previous, previous.parts.count < fullEvery, !fullDue {
            let changes = CheckpointPart(kind: .changes, generation: generation, fullSlot: 0, state: estimator.encodedChanges(), fingerprint: fingerprint)
            let changedBytes = previous.parts.dropFirst().reduce(changes.bytes.count) { $0 + $1.byteCount }
            // Restoring reads the full state and every change set after it: once those reach twice the full state, write it again.
            if changedBytes <= 2 * previous.parts[0].byteCount { part = changes }
        }
        let written = part ?? CheckpointPart(
            kind: .full, generation: generation, fullSlot: previous?.parts[0].name == "full-0" ? 1 : 0,
            state: estimator.encodedState(), fingerprint: fingerprint
        )
        let entry = entry(written, maxChunkBytes: maxChunkBytes)
        let manifest = CheckpointManifest(
            group: group, topic: topic, partition: partition, nextOffset: nextOffset, generation: generation,
            maxEventTime: estimator.maxEventTime, parts: part == nil ? [entry] : previous!.parts + [entry]
        )
        return (written, manifest)
    }
}
