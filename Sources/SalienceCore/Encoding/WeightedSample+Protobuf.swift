extension WeightedSample {
    /// The sample as a `salience.v1.WeightedSample` message (Schemas/weighted_sample.proto).
    public var protobufBytes: [UInt8] {
        var writer = ProtobufWriter(capacity: 256)
        writeProtobuf(to: &writer)
        return writer.bytes
    }

    /// Appends the sample's `salience.v1.WeightedSample` message to `writer`.
    public func writeProtobuf(to writer: inout ProtobufWriter) {
        identity.withUTF8 { writer.field(1, utf8: $0) }
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
            if let validation = components.validation { objective.field(7, present: validation) }
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
        writer.field(13, Int64(SampleOrigin.allCases.firstIndex(of: origin)!))
        if let resolution {
            writer.field(14) { message in
                message.field(1, resolution.conversionTimestamp ?? 0)
                message.field(2, Int64(resolution.early ? 1 : 0))
                message.field(3, Int64(resolution.late ? 1 : 0))
                message.field(4, resolution.conversionScore ?? 0)
                message.field(5, components.delayedFeedback)
            }
        }
        if let negative {
            writer.field(15) { draw in
                draw.field(1, Int64(negative.index))
                draw.field(2, negative.positiveEventID)
                draw.field(3, negative.logQ)
            }
        }
    }

    /// The sample with its length in front (a varint), as in `.pb` files of many samples.
    public var lengthDelimitedProtobuf: [UInt8] {
        let message = protobufBytes
        var writer = ProtobufWriter()
        writer.varint(UInt64(message.count))
        return writer.bytes + message
    }
}
