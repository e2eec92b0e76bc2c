extension BehaviorEvent: JSONWritable {
    /// The event in canonical JSON (Schemas/behavior-event.schema.json): `ts`
    /// in epoch milliseconds, optional fields only when present.
    public func write(to writer: inout JSONWriter) {
        writer.beginObject()
        writer.field("user_id", userID)
        writer.field("item_id", itemID)
        writer.field("type", type.name)
        writer.field("ts", timestamp)
        if let eventID { writer.field("event_id", eventID) }
        if let categoryID { writer.field("category_id", categoryID) }
        if let price { writer.field("price", price) }
        if let quantity { writer.field("quantity", quantity) }
        if let sessionID { writer.field("session_id", sessionID) }
        if !context.isEmpty {
            writer.beginObject("context")
            for entry in context {
                switch entry.value {
                case .string(let value): writer.field(entry.key, value)
                case .number(let value): writer.field(entry.key, value)
                }
            }
            writer.endObject()
        }
        writer.endObject()
    }
}
