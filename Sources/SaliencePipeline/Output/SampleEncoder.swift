import SalienceCore

/// Turns a sample into the bytes of one Kafka record. The bytes returned may
/// live in a buffer the encoder reuses for the next sample (librdkafka copies
/// them when the record is sent).
protocol SampleEncoder {
    /// The record value of `sample`.
    mutating func encode(_ sample: WeightedSample) -> [UInt8]
}

/// JSON samples, written into one reused buffer.
struct JSONSampleEncoder: SampleEncoder {
    private var writer = JSONWriter(capacity: 1024)

    mutating func encode(_ sample: WeightedSample) -> [UInt8] {
        writer.removeAll()
        sample.write(to: &writer)
        return writer.bytes
    }
}

/// Protobuf samples, one `salience.v1.WeightedSample` message per record,
/// written into one reused buffer.
struct ProtobufSampleEncoder: SampleEncoder {
    private var writer = ProtobufWriter(capacity: 512)

    mutating func encode(_ sample: WeightedSample) -> [UInt8] {
        writer.removeAll()
        sample.writeProtobuf(to: &writer)
        return writer.bytes
    }
}

extension SampleFormat {
    /// An encoder of this format.
    func makeEncoder() -> any SampleEncoder {
        switch self {
        case .json: JSONSampleEncoder()
        case .protobuf: ProtobufSampleEncoder()
        }
    }
}
