/// The binary form of a waiting exposure's sample, inside checkpoints. Origin,
/// resolution and negative draw are decided at emission, so they are not kept.
extension WeightedSample: BinaryCodable {
    public func encode(to writer: inout BinaryWriter) {
        writer.write(eventID)
        writer.write(userID)
        writer.write(itemID)
        writer.write(type.rawValue)
        writer.write(timestamp)
        writer.write(label)
        writer.write(weight)
        writer.write([
            components.expert, components.classBalance, components.popularity, components.userDamping,
            components.objectiveRaw, components.objective, components.gradientScore,
            components.keepProbability, components.samplingWeight, components.delayedFeedback,
            // −1 stands for no validation component (a weight is never negative).
            components.validation ?? -1,
        ])
        writer.write(logQ)
        writer.write(modelScore)
        writer.write(source != nil)
        if let source {
            writer.write(source.topic)
            writer.write(UInt32(bitPattern: source.partition))
            writer.write(source.offset)
        }
    }

    public init(from reader: inout BinaryReader) throws {
        let eventID = try reader.read(String.self)
        let userID = try reader.read(String.self)
        let itemID = try reader.read(String.self)
        let rawType = try reader.read(UInt8.self)
        guard let type = BehaviorType(rawValue: rawType) else {
            throw StateDecodingError(.malformed, "behaviour type \(rawType) of a pending sample is unknown")
        }
        let timestamp = try reader.read(Int64.self)
        let label = try reader.read(Int.self)
        let weight = try reader.read(Double.self)
        let values = try reader.read([Double].self)
        guard values.count == 11 else {
            throw StateDecodingError(.malformed, "a pending sample has \(values.count) weight components, expected 11")
        }
        let components = WeightComponents(
            expert: values[0], classBalance: values[1], popularity: values[2], userDamping: values[3],
            objectiveRaw: values[4], objective: values[5], gradientScore: values[6],
            keepProbability: values[7], samplingWeight: values[8], delayedFeedback: values[9],
            validation: values[10] < 0 ? nil : values[10]
        )
        let logQ = try reader.read(Double.self)
        let modelScore = try reader.read(Double.self)
        var source: SourcePosition?
        if try reader.read(Bool.self) {
            source = SourcePosition(
                topic: try reader.read(String.self),
                partition: Int32(bitPattern: try reader.read(UInt32.self)),
                offset: try reader.read(Int64.self)
            )
        }
        self.init(
            eventID: SampleEventID(eventID), userID: userID, itemID: itemID, type: type, timestamp: timestamp, label: label,
            weight: weight, components: components, logQ: logQ, modelScore: modelScore, source: source
        )
    }
}
