/// How samples are written on the samples topic: one sample per Kafka record,
/// in either format, with the ``headerValue`` in a header so a reader can
/// tell them apart.
public enum SampleFormat: String, CaseIterable, Sendable {
    /// A JSON object (Schemas/weighted-sample.schema.json).
    case json
    /// One `salience.v1.WeightedSample` message (Schemas/weighted_sample.proto),
    /// not length-delimited: the record's length frames it.
    case protobuf

    /// The version of the sample schema both formats follow (the proto's
    /// package is `salience.v1`).
    public static let schemaVersion = 1

    /// What the `salience.sample.format` header says: the format and the schema version.
    public var headerValue: String {
        switch self {
        case .json: "json;v=\(Self.schemaVersion)"
        case .protobuf: "protobuf;v=\(Self.schemaVersion);message=salience.v1.WeightedSample"
        }
    }
}
