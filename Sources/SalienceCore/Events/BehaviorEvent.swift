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

    /// The identity hashes (``HashScheme/id(_:)``) of an event's ids, made
    /// once when the event is decoded or built and kept in step with the ids:
    /// everything the estimator hashes per event derives from them.
    public struct IDHashes: Hashable, Sendable {
        public internal(set) var user: UInt64
        public internal(set) var item: UInt64
        /// `nil` when the event has no category.
        public internal(set) var category: UInt64?
        /// `nil` when the event has no session.
        public internal(set) var session: UInt64?
    }

    public var userID: String { didSet { idHashes.user = HashScheme.id(userID) } }
    /// Integers in the input are normalised to their decimal string.
    public var itemID: String { didSet { idHashes.item = HashScheme.id(itemID) } }
    /// The ids' hashes, always those of the ids the event holds now.
    public private(set) var idHashes: IDHashes
    public var type: BehaviorType
    /// Event time, milliseconds since the Unix epoch.
    public var timestamp: Int64
    /// The producer's id, or `nil`: the pipeline then derives one from topic/partition/offset.
    public var eventID: String?
    public var categoryID: String? { didSet { idHashes.category = categoryID.map(HashScheme.id) } }
    public var price: Double?
    public var quantity: Int64?
    public var sessionID: String? { didSet { idHashes.session = sessionID.map(HashScheme.id) } }
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
        idHashes = IDHashes(
            user: HashScheme.id(userID), item: HashScheme.id(itemID),
            category: categoryID.map(HashScheme.id), session: sessionID.map(HashScheme.id)
        )
    }
}
