/// One user-behaviour event, in canonical form (Schemas/behavior-event.schema.json).
public struct BehaviorEvent: Hashable, Sendable {
    /// A value of the free-form `context` object: a string or a finite number.
    public enum ContextValue: Hashable, Sendable {
        case string(String)
        case number(Double)
    }

    /// One key of `context`, in input order.
    public struct ContextEntry: Hashable, Sendable {
        public var key: String
        public var value: ContextValue

        public init(key: String, value: ContextValue) {
            self.key = key
            self.value = value
        }
    }

    public var userID: String
    /// Integers in the input are normalised to their decimal string.
    public var itemID: String
    public var type: BehaviorType
    /// Event time, milliseconds since the Unix epoch.
    public var timestamp: Int64
    /// The producer's id, or `nil`: the pipeline then derives one from topic/partition/offset.
    public var eventID: String?
    public var categoryID: String?
    public var price: Double?
    public var quantity: Int64?
    public var sessionID: String?
    /// Extra features; empty when absent.
    public var context: [ContextEntry]

    public init(
        userID: String,
        itemID: String,
        type: BehaviorType,
        timestamp: Int64,
        eventID: String? = nil,
        categoryID: String? = nil,
        price: Double? = nil,
        quantity: Int64? = nil,
        sessionID: String? = nil,
        context: [ContextEntry] = []
    ) {
        self.userID = userID
        self.itemID = itemID
        self.type = type
        self.timestamp = timestamp
        self.eventID = eventID
        self.categoryID = categoryID
        self.price = price
        self.quantity = quantity
        self.sessionID = sessionID
        self.context = context
    }
}
