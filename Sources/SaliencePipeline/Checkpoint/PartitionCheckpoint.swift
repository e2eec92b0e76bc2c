import SalienceCore

/// The checkpoint of one input partition: where it stands in the input and
/// all estimator state (Schemas/README.md, "Checkpoints").
public struct PartitionCheckpoint: Sendable {
    public var group: String
    public var topic: String
    public var partition: Int32
    /// The first input offset not reflected in the state.
    public var nextOffset: Int64
    /// The estimator's complete state (its own framed bytes).
    public var estimatorState: [UInt8]

    public init(group: String, topic: String, partition: Int32, nextOffset: Int64, estimatorState: [UInt8]) {
        self.group = group
        self.topic = topic
        self.partition = partition
        self.nextOffset = nextOffset
        self.estimatorState = estimatorState
    }

    /// The key of a partition's checkpoints: `group/topic/partition`.
    public static func key(group: String, topic: String, partition: Int32) -> String {
        "\(group)/\(topic)/\(partition)"
    }

    public var key: String { Self.key(group: group, topic: topic, partition: partition) }

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

    /// Framed bytes: the state envelope, under the estimator's fingerprint,
    /// around the uncompressed size (u64) and the zlib stream of group, topic,
    /// partition, next offset and the estimator state.
    public func encoded(fingerprint: UInt64) -> [UInt8] {
        var writer = BinaryWriter(capacity: estimatorState.count + 64)
        writer.write(group)
        writer.write(topic)
        writer.write(UInt32(bitPattern: partition))
        writer.write(nextOffset)
        writer.write(estimatorState)
        var framed = BinaryWriter(capacity: 64)
        framed.write(UInt64(writer.bytes.count))
        var payload = framed.bytes
        payload.append(contentsOf: Deflate.compress(writer.bytes))
        return StateEnvelope.seal(payload, fingerprint: fingerprint)
    }

    /// Reads framed bytes, refusing truncated, corrupted, other-version and
    /// (when `expectedFingerprint` is given) other-configuration input.
    public static func decode(_ bytes: [UInt8], expectedFingerprint: UInt64?) throws -> PartitionCheckpoint {
        let framed = try StateEnvelope.open(bytes, expectedFingerprint: expectedFingerprint)
        var sizeReader = BinaryReader(framed)
        let size = try sizeReader.read(UInt64.self)
        let payload: [UInt8]
        do {
            payload = try Deflate.decompress(framed[8...], expectedCount: Int(clamping: size))
        } catch {
            throw StateDecodingError(.malformed, error.description)
        }
        var reader = BinaryReader(payload)
        let checkpoint = PartitionCheckpoint(
            group: try reader.read(String.self),
            topic: try reader.read(String.self),
            partition: Int32(bitPattern: try reader.read(UInt32.self)),
            nextOffset: try reader.read(Int64.self),
            estimatorState: try reader.read([UInt8].self)
        )
        guard reader.remaining == 0 else {
            throw StateDecodingError(.malformed, "\(reader.remaining) bytes after the checkpoint")
        }
        return checkpoint
    }
}
