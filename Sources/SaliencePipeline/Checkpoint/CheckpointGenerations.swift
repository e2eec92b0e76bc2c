import SalienceCore
import SalienceKafka

/// Picks, from the stored records of one partition's checkpoints (in the
/// checkpoint topic or the checkpoint directory), the newest generation
/// whose manifest and every part it names are present and intact.
public enum CheckpointGenerations {
    /// The generation chosen, if any, and a sentence per newer one refused.
    public struct Outcome: Sendable {
        /// The newest restorable generation.
        public let checkpoint: PartitionCheckpoint?
        /// The manifest of the chosen generation.
        public let manifest: CheckpointManifest?
        /// Why each newer generation was passed over, newest first.
        public let refused: [String]
        /// The highest generation any stored manifest names, so a writer
        /// continues past a refused one rather than reusing its number.
        public let highestGeneration: UInt64?
    }

    /// The newest restorable generation in `stored` (records by name and
    /// generation) whose manifest `accept`s (the others are passed over
    /// silently). Until `exhausted` (every stored record seen), a part not
    /// found yet may still come: the answer is then `nil`, to look further.
    static func newest(
        _ stored: ChunkedRecords.Found, exhausted: Bool, accept: (CheckpointManifest) -> Bool = { _ in true }
    ) -> Outcome? {
        let manifests = stored.filter { $0.key.hasPrefix("manifest-") }
            .flatMap { $0.value.map { (generation: $0.key, bytes: $0.value) } }
            .sorted { $0.generation > $1.generation }
        var refused: [String] = []
        for (generation, bytes) in manifests {
            let manifest: CheckpointManifest
            do {
                manifest = try CheckpointManifest.decode(bytes)
            } catch {
                refused.append("generation \(generation): its manifest is refused (\(error))")
                continue
            }
            guard manifest.generation == generation else {
                refused.append("generation \(generation): its manifest names generation \(manifest.generation)")
                continue
            }
            guard accept(manifest) else { continue }
            var states: [[UInt8]] = []
            var missing: [String] = []
            var damaged: String?
            for part in manifest.parts {
                guard let partBytes = stored[part.name]?[part.generation] else {
                    missing.append("\(part.name) of generation \(part.generation)")
                    continue
                }
                guard partBytes.count == part.byteCount, CRC32C.checksum(partBytes) == part.checksum else {
                    damaged = "\(part.name) of generation \(part.generation) does not match its checksum in the manifest"
                    break
                }
                do {
                    states.append(try CheckpointPart.state(of: partBytes))
                } catch {
                    damaged = "\(part.name) of generation \(part.generation) is refused (\(error))"
                    break
                }
            }
            if let damaged {
                refused.append("generation \(generation): \(damaged)")
                continue
            }
            if !missing.isEmpty {
                guard exhausted else { return nil }
                refused.append(
                    "generation \(generation): missing \(missing.joined(separator: ", ")) (evicted by the broker's retention or compaction, or torn by a crash)"
                )
                continue
            }
            let checkpoint = PartitionCheckpoint(
                group: manifest.group, topic: manifest.topic, partition: manifest.partition, nextOffset: manifest.nextOffset,
                generation: generation, estimatorState: states[0], estimatorChanges: Array(states.dropFirst())
            )
            return Outcome(checkpoint: checkpoint, manifest: manifest, refused: refused, highestGeneration: manifests.first?.generation)
        }
        return exhausted ? Outcome(checkpoint: nil, manifest: nil, refused: refused, highestGeneration: manifests.first?.generation) : nil
    }

    /// The newest restorable generation of each of `partitions`' checkpoints
    /// for `group` in the checkpoint topic `topic` (of `topicPartitions`
    /// partitions) that `accept`s, read in one backward scan per
    /// checkpoint-topic partition; partitions the topic holds nothing of are absent.
    static func newest(
        group: String, partitions: [KafkaTopicPartition], topic: String, topicPartitions: Int32, reader: any PartitionReading,
        accept: @escaping (CheckpointManifest) -> Bool = { _ in true }
    ) throws -> [KafkaTopicPartition: Outcome] {
        let keys = Dictionary(uniqueKeysWithValues: partitions.map {
            (PartitionCheckpoint.key(group: group, topic: $0.topic, partition: $0.partition), $0)
        })
        let found = try ChunkedRecords.collect(keys: Set(keys.keys), topic: topic, partitions: topicPartitions, reader: reader) { _, records, exhausted in
            newest(records, exhausted: exhausted, accept: accept)
        }
        return Dictionary(uniqueKeysWithValues: found.map { (keys[$0.key]!, $0.value) })
    }
}
