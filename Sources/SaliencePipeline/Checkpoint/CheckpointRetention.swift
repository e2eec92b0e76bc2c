import SalienceKafka
import Synchronization

/// A checkpoint as written to the checkpoint topic: where its chunks went
/// and the lowest offset a delivery report gave one of them.
final class WrittenCheckpoint: Sendable {
    let location: KafkaTopicPartition
    let bytes: Int
    let chunks: Int
    let firstOffset = LowestOffset()

    init(location: KafkaTopicPartition, bytes: Int, chunks: Int) {
        self.location = location
        self.bytes = bytes
        self.chunks = chunks
    }
}

/// The lowest offset reported so far, written by delivery callbacks.
final class LowestOffset: Sendable {
    private let lowest = Mutex<Int64?>(nil)

    func lower(to offset: Int64) {
        lowest.withLock { $0 = min($0 ?? offset, offset) }
    }

    var value: Int64? { lowest.withLock { $0 } }
}

/// What to tell a user whose checkpoints do not fit the checkpoint topic.
enum CheckpointRetention {
    /// The settings that make a checkpoint of `bytes` bytes storable.
    static func advice(bytes: Int) -> String {
        let megabytes = Double(bytes) / 1_048_576
        let size = megabytes >= 10 ? String(Int(megabytes.rounded())) : String(Double(Int(megabytes * 10)) / 10)
        return "each checkpoint is \(size) MiB: give the checkpoint topic a retention that keeps at least two per partition "
            + "(librdkafka's embedded broker keeps only about 5 MiB per partition), or make the state smaller "
            + "(estimator.features.bits, estimator.sketch_epsilon, estimator.logq_bucket_bits), "
            + "and keep checkpoints in files as well (checkpoint_directory)"
    }
}
