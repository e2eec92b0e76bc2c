import SalienceCore
import SalienceKafka

/// Names of the headers Salience writes.
public enum SalienceHeader {
    /// Input topic of a sample or dead letter.
    public static let sourceTopic = "salience.source.topic"
    /// Input partition of a sample or dead letter.
    public static let sourcePartition = "salience.source.partition"
    /// Input offset of a sample or dead letter (decimal): the message that released it.
    public static let sourceOffset = "salience.source.offset"
    /// A sample's index among the samples one input message released
    /// (decimal; absent means 0). Delayed-feedback labels and generated
    /// negatives release several samples per message.
    public static let sourceIndex = "salience.source.index"
    /// A sample's format and schema version (``SampleFormat/headerValue``), e.g. `protobuf;v=1;message=salience.v1.WeightedSample`.
    public static let sampleFormat = "salience.sample.format"
    /// A dead letter's reason (snake_case, see Schemas/README.md).
    public static let reason = "salience.reason"
    /// A dead letter's detail, in words.
    public static let detail = "salience.detail"
    /// Chunked records (checkpoints, model exports): record id, chunk index and count, total bytes.
    public static let recordID = "salience.record.id"
    public static let chunkIndex = "salience.chunk.index"
    public static let chunkCount = "salience.chunk.count"
    public static let recordBytes = "salience.record.bytes"
    /// Model exports: format version, the input offset and watermark they reflect.
    public static let modelFormat = "salience.model.format"
    public static let modelNextOffset = "salience.model.next_offset"
    public static let modelWatermark = "salience.model.watermark"
}

extension SalienceHeader {
    /// The source-position headers of a sample or dead letter.
    public static func source(_ position: SourcePosition) -> [KafkaHeader] {
        var headers = sourcePartition(topic: position.topic, partition: position.partition)
        headers.append(sourceOffset(position.offset))
        return headers
    }

    /// The headers naming a source partition (topic, partition), the same
    /// for every sample and dead letter of the partition; room is reserved
    /// for the offset and index headers appended per message.
    static func sourcePartition(topic: String, partition: Int32) -> [KafkaHeader] {
        var headers: [KafkaHeader] = []
        headers.reserveCapacity(4)
        headers.append(KafkaHeader(key: sourceTopic, string: topic))
        headers.append(KafkaHeader(key: sourcePartition, value: DecimalText.bytes(Int64(partition))))
        return headers
    }

    /// The source-offset header, its decimal digits made without a string.
    static func sourceOffset(_ offset: Int64) -> KafkaHeader {
        KafkaHeader(key: sourceOffset, value: DecimalText.bytes(offset))
    }
}
