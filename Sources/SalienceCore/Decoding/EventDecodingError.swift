/// Why an input message is not a valid event. The reason is data — it goes
/// into the dead-letter header `salience.reason` and the metrics — and the
/// detail says where (field, byte position) in words.
public struct EventDecodingError: Error, Hashable, Sendable, CustomStringConvertible {
    /// The kind of fault, as a stable snake_case name.
    public struct Reason: RawRepresentable, Hashable, Sendable, CaseIterable, CustomStringConvertible {
        public let rawValue: String
        public init(rawValue: String) { self.rawValue = rawValue }

        /// No bytes, or only whitespace.
        public static let empty = Reason(rawValue: "empty")
        /// Larger than the configured limit.
        public static let oversize = Reason(rawValue: "oversize")
        /// Bytes that are not UTF-8.
        public static let invalidUTF8 = Reason(rawValue: "invalid_utf8")
        /// Not JSON: a syntax error, truncation, trailing bytes.
        public static let malformedJSON = Reason(rawValue: "malformed_json")
        /// Arrays or objects nested deeper than the limit.
        public static let nestingTooDeep = Reason(rawValue: "nesting_too_deep")
        /// Valid JSON but not an object at the top.
        public static let notAnObject = Reason(rawValue: "not_an_object")
        /// A required field is absent or null.
        public static let missingField = Reason(rawValue: "missing_field")
        /// A field holds the wrong JSON type.
        public static let wrongType = Reason(rawValue: "wrong_type")
        /// A field appears twice.
        public static let duplicateField = Reason(rawValue: "duplicate_field")
        /// `type` is neither a canonical behaviour nor a configured alias.
        public static let unknownEventType = Reason(rawValue: "unknown_event_type")
        /// `ts` is unreadable as a time or outside the accepted range.
        public static let timestampOutOfRange = Reason(rawValue: "timestamp_out_of_range")
        /// NaN, Infinity, or a number too large for a double.
        public static let nonFiniteNumber = Reason(rawValue: "non_finite_number")
        /// A value of the right type that is not allowed (an empty id, a negative price).
        public static let invalidValue = Reason(rawValue: "invalid_value")

        public static let allCases: [Reason] = [
            .empty, .oversize, .invalidUTF8, .malformedJSON, .nestingTooDeep, .notAnObject, .missingField,
            .wrongType, .duplicateField, .unknownEventType, .timestampOutOfRange, .nonFiniteNumber, .invalidValue,
        ]

        public var description: String { rawValue }
    }

    public let reason: Reason
    /// A human-readable account, naming the field and byte position where known.
    public let detail: String
    /// The field at fault, dotted for context keys (`context.device`).
    public let field: String?
    /// The byte offset at fault.
    public let position: Int?

    public init(_ reason: Reason, _ detail: String, field: String? = nil, position: Int? = nil) {
        self.reason = reason
        self.detail = detail
        self.field = field
        self.position = position
    }

    public var description: String { "\(reason): \(detail)" }
}
