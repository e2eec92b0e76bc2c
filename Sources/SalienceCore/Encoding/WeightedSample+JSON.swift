extension WeightedSample: JSONWritable {
    /// The sample as one compact JSON object (Schemas/weighted-sample.schema.json).
    /// Objective and sampling components sit in objects of their own; `origin`,
    /// `resolution` and `negative` appear only on samples of the
    /// delayed-feedback policies and generated negatives.
    public func write(to writer: inout JSONWriter) {
        writer.beginObject()
        identity.withUTF8 { writer.field("event_id", utf8: $0) }
        writer.field("user_id", userID)
        writer.field("item_id", itemID)
        writer.field("type", type.name)
        writer.field("ts", timestamp)
        writer.field("label", label)
        writer.field("weight", weight)
        writer.beginObject("objective")
        writer.field("weight", components.objective)
        writer.field("raw", components.objectiveRaw)
        writer.field("expert", components.expert)
        writer.field("class_balance", components.classBalance)
        writer.field("popularity", components.popularity)
        writer.field("user_damping", components.userDamping)
        if let validation = components.validation { writer.field("validation", validation) }
        writer.endObject()
        writer.beginObject("sampling")
        writer.field("weight", components.samplingWeight)
        writer.field("keep_probability", components.keepProbability)
        writer.field("gradient_score", components.gradientScore)
        writer.endObject()
        writer.field("log_q", logQ)
        writer.field("model_score", modelScore)
        if let source {
            writer.beginObject("source")
            writer.field("topic", source.topic)
            writer.field("partition", Int64(source.partition))
            writer.field("offset", source.offset)
            writer.endObject()
        }
        if origin != .event { writer.field("origin", origin.rawValue) }
        if let resolution {
            writer.beginObject("resolution")
            if let converted = resolution.conversionTimestamp { writer.field("converted_at", converted) }
            writer.field("early", resolution.early)
            writer.field("late", resolution.late)
            if let score = resolution.conversionScore { writer.field("conversion_score", score) }
            writer.field("delayed_feedback", components.delayedFeedback)
            writer.endObject()
        }
        if let negative {
            writer.beginObject("negative")
            writer.field("index", negative.index)
            writer.field("positive_event_id", negative.positiveEventID)
            writer.field("log_q", negative.logQ)
            writer.endObject()
        }
        writer.endObject()
    }
}
