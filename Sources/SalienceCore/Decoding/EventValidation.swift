/// Turns parsed fields into a ``BehaviorEvent``, or says precisely why not.
struct EventValidation {
    let configuration: EventDecoder.Configuration

    /// Fills `event` from the fields, reusing its strings' buffers. On a
    /// throw, `event` is left part-filled.
    func fill(_ event: inout BehaviorEvent, from raw: RawEventFields) throws(EventDecodingError) {
        try assignRequiredID(&event.userID, raw.userID, .userID)
        try assignRequiredID(&event.itemID, raw.itemID, .itemID)
        event.type = try eventType(raw.type)
        event.timestamp = try timestamp(raw.timestamp)
        let price = try optionalNumber(raw.price, .price)
        if let price, price < 0 {
            throw EventDecodingError(.invalidValue, "price: must be ≥ 0, got \(price)", field: "price", position: raw.price.position)
        }
        event.price = price
        let quantity = try optionalInteger(raw.quantity, .quantity)
        if let quantity, quantity < 0 {
            throw EventDecodingError(.invalidValue, "quantity: must be ≥ 0, got \(quantity)", field: "quantity", position: raw.quantity.position)
        }
        event.quantity = quantity
        try assignOptionalID(&event.eventID, raw.eventID, .eventID)
        try assignOptionalID(&event.categoryID, raw.categoryID, .categoryID)
        try assignOptionalID(&event.sessionID, raw.sessionID, .sessionID)
        event.context = raw.context
    }

    private func assignRequiredID(_ target: inout String, _ value: RawValue, _ key: RawEventFields.Key) throws(EventDecodingError) {
        switch value {
        case .absent:
            throw EventDecodingError(.missingField, "\(key.name): required field is absent", field: key.name)
        case .null(let position):
            throw EventDecodingError(.missingField, "\(key.name): required field is null at byte \(position)", field: key.name, position: position)
        case .text(let bytes, let position):
            try requireNonEmpty(bytes.count, key, position)
            StringReuse.assign(&target, utf8: bytes)
        default:
            guard let id = try optionalID(value, key) else {
                throw EventDecodingError(.missingField, "\(key.name): required field is absent", field: key.name)
            }
            target = id
        }
    }

    private func assignOptionalID(_ target: inout String?, _ value: RawValue, _ key: RawEventFields.Key) throws(EventDecodingError) {
        if case .text(let bytes, let position) = value {
            try requireNonEmpty(bytes.count, key, position)
            StringReuse.assign(&target, utf8: bytes)
        } else {
            target = try optionalID(value, key)
        }
    }

    private func requireNonEmpty(_ count: Int, _ key: RawEventFields.Key, _ position: Int) throws(EventDecodingError) {
        guard count > 0 else {
            throw EventDecodingError(.invalidValue, "\(key.name): must not be empty (byte \(position))", field: key.name, position: position)
        }
    }

    /// A string id, or an integer normalised to its decimal text.
    private func optionalID(_ value: RawValue, _ key: RawEventFields.Key) throws(EventDecodingError) -> String? {
        switch value {
        case .absent, .null:
            return nil
        case .string(let text, let position):
            try requireNonEmpty(text.utf8.count, key, position)
            return text
        case .text(let bytes, let position):
            try requireNonEmpty(bytes.count, key, position)
            return String(decoding: bytes, as: UTF8.self)
        case .integer(let digits, _):
            return digits
        case .smallInteger(let value, _):
            return String(value)
        case .nonFinite(let position):
            throw nonFinite(key, position)
        default:
            throw wrongType(key, value, expected: "a string or an integer")
        }
    }

    private func eventType(_ value: RawValue) throws(EventDecodingError) -> BehaviorType {
        switch value {
        case .absent, .null:
            throw EventDecodingError(.missingField, "type: required field is absent or null", field: "type", position: value.position)
        case .text(let bytes, let position):
            // Canonical names straight from the bytes; aliases need the string.
            if let type = Self.canonicalType(bytes) { return type }
            return try resolveType(String(decoding: bytes, as: UTF8.self), position: position)
        case .string(let name, let position):
            return try resolveType(name, position: position)
        default:
            throw wrongType(.type, value, expected: "a string")
        }
    }

    private func resolveType(_ name: String, position: Int) throws(EventDecodingError) -> BehaviorType {
        guard let type = configuration.aliases.resolve(name) else {
            throw EventDecodingError(
                .unknownEventType,
                "type: '\(name.prefix(64))' is neither a behaviour type (impression, view, click, cart, fav, purchase) nor a configured alias (byte \(position))",
                field: "type", position: position
            )
        }
        return type
    }

    /// Each behaviour type with the UTF-8 bytes of its canonical name.
    private static let canonicalNames = BehaviorType.allCases.map { ($0, Array($0.name.utf8)) }

    /// The type whose canonical name these bytes spell exactly.
    private static func canonicalType(_ bytes: UnsafeRawBufferPointer) -> BehaviorType? {
        for (type, name) in canonicalNames where name.count == bytes.count && name.elementsEqual(bytes) {
            return type
        }
        return nil
    }

    private func timestamp(_ value: RawValue) throws(EventDecodingError) -> Int64 {
        if case .text(let bytes, let position) = value {
            return try timestamp(.string(String(decoding: bytes, as: UTF8.self), position: position))
        }
        let milliseconds: Int64
        switch value {
        case .absent, .null:
            throw EventDecodingError(.missingField, "ts: required field is absent or null", field: "ts", position: value.position)
        case .integer(let digits, let position):
            guard let parsed = Int64(digits) else {
                throw EventDecodingError(.timestampOutOfRange, "ts: \(digits.prefix(40)) does not fit in 64 bits (byte \(position))", field: "ts", position: position)
            }
            milliseconds = parsed
        case .smallInteger(let value, _):
            milliseconds = value
        case .string(let text, let position):
            guard let parsed = RFC3339.milliseconds(text) else {
                throw EventDecodingError(
                    .timestampOutOfRange,
                    "ts: '\(text.prefix(64))' is not an RFC 3339 date-time such as 2017-11-26T01:00:00Z (byte \(position))",
                    field: "ts", position: position
                )
            }
            milliseconds = parsed
        case .nonFinite(let position):
            throw nonFinite(.timestamp, position)
        default:
            throw wrongType(.timestamp, value, expected: "epoch milliseconds as an integer, or an RFC 3339 string")
        }
        guard configuration.timestampRange.contains(milliseconds) else {
            throw EventDecodingError(
                .timestampOutOfRange,
                "ts: \(milliseconds) ms is outside the accepted range \(configuration.timestampRange.lowerBound)...\(configuration.timestampRange.upperBound) (seconds instead of milliseconds?)",
                field: "ts", position: value.position
            )
        }
        return milliseconds
    }

    private func optionalNumber(_ value: RawValue, _ key: RawEventFields.Key) throws(EventDecodingError) -> Double? {
        switch value {
        case .absent, .null: return nil
        case .number(let number, _): return number
        case .smallInteger(let value, _): return Double(value)
        case .integer(let digits, let position):
            guard let number = Double(digits), number.isFinite else { throw nonFinite(key, position) }
            return number
        case .nonFinite(let position): throw nonFinite(key, position)
        default: throw wrongType(key, value, expected: "a number")
        }
    }

    private func optionalInteger(_ value: RawValue, _ key: RawEventFields.Key) throws(EventDecodingError) -> Int64? {
        switch value {
        case .absent, .null: return nil
        case .smallInteger(let value, _): return value
        case .integer(let digits, let position):
            guard let number = Int64(digits) else {
                throw EventDecodingError(.invalidValue, "\(key.name): \(digits.prefix(40)) does not fit in 64 bits", field: key.name, position: position)
            }
            return number
        case .nonFinite(let position): throw nonFinite(key, position)
        default: throw wrongType(key, value, expected: "an integer")
        }
    }

    private func wrongType(_ key: RawEventFields.Key, _ value: RawValue, expected: String) -> EventDecodingError {
        EventDecodingError(
            .wrongType,
            "\(key.name): expected \(expected), got \(value.kindName)\(value.position.map { " at byte \($0)" } ?? "")",
            field: key.name, position: value.position
        )
    }

    private func nonFinite(_ key: RawEventFields.Key, _ position: Int) -> EventDecodingError {
        EventDecodingError(.nonFiniteNumber, "\(key.name): NaN, Infinity or a number beyond a double's range at byte \(position)", field: key.name, position: position)
    }
}
