extension WeightedSample {
    /// The sample as a `salience.v1.WeightedSample` message (Schemas/weighted_sample.proto).
    public var protobufBytes: [UInt8] {
        var writer = ProtobufWriter()
        writer.field(1, eventID)
        writer.field(2, userID)
        writer.field(3, itemID)
        writer.field(4, Int64(type.rawValue))
        writer.field(5, timestamp)
        writer.field(6, Int64(label))
        writer.field(7, weight)
        writer.field(8) { objective in
            objective.field(1, components.objective)
            objective.field(2, components.objectiveRaw)
            objective.field(3, components.expert)
            objective.field(4, components.classBalance)
            objective.field(5, components.popularity)
            objective.field(6, components.userDamping)
        }
        writer.field(9) { sampling in
            sampling.field(1, components.samplingWeight)
            sampling.field(2, components.keepProbability)
            sampling.field(3, components.gradientScore)
        }
        writer.field(10, logQ)
        writer.field(11, modelScore)
        if let source {
            writer.field(12) { position in
                position.field(1, source.topic)
                position.field(2, Int64(source.partition))
                position.field(3, source.offset)
            }
        }
        return writer.bytes
    }

    /// The sample with its length in front (a varint), as in `.pb` files of many samples.
    public var lengthDelimitedProtobuf: [UInt8] {
        let message = protobufBytes
        var writer = ProtobufWriter()
        writer.varint(UInt64(message.count))
        return writer.bytes + message
    }
}
