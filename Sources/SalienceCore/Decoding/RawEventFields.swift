/// A JSON value as far as event validation needs it. Lives only while one
/// message is decoded: `.text` points into that message.
enum RawValue {
    case absent
    case null(position: Int)
    /// A string with its escapes resolved (the complete parser's).
    case string(String, position: Int)
    /// A string literal without escapes: its UTF-8 content, in the message.
    case text(UnsafeRawBufferPointer, position: Int)
    /// An integer literal too long for 64 bits, kept as its text so ids of any length survive.
    case integer(String, position: Int)
    /// An integer literal that fits in 64 bits.
    case smallInteger(Int64, position: Int)
    /// A number with a fraction or exponent.
    case number(Double, position: Int)
    case nonFinite(position: Int)
    case bool(position: Int)
    case object(position: Int)
    case array(position: Int)

    var position: Int? {
        switch self {
        case .absent: nil
        case .null(let position), .string(_, let position), .text(_, let position), .integer(_, let position), .smallInteger(_, let position), .number(_, let position),
             .nonFinite(let position), .bool(let position), .object(let position), .array(let position):
            position
        }
    }

    var kindName: String {
        switch self {
        case .absent: "nothing"
        case .null: "null"
        case .string, .text: "a string"
        case .integer, .smallInteger: "an integer"
        case .number: "a non-integer number"
        case .nonFinite: "a non-finite number"
        case .bool: "a boolean"
        case .object: "an object"
        case .array: "an array"
        }
    }
}

extension RawValue {
    /// An integer literal's value: parsed straight from its bytes when it fits
    /// in 64 bits, kept as text otherwise.
    static func integerLiteral(_ bytes: UnsafeRawBufferPointer, position: Int) -> RawValue {
        var index = 0
        var negative = false
        if bytes.first == UInt8(ascii: "-") {
            negative = true
            index = 1
        }
        // 18 digits always fit; longer literals keep their text.
        if bytes.count - index <= 18 {
            var value: Int64 = 0
            while index < bytes.count {
                value = value * 10 + Int64(bytes[index] - UInt8(ascii: "0"))
                index += 1
            }
            return .smallInteger(negative ? -value : value, position: position)
        }
        return .integer(String(decoding: bytes, as: UTF8.self), position: position)
    }
}

/// The fields of one event as parsed, before validation. Both decoding paths
/// fill it, so both validate identically.
struct RawEventFields {
    var userID = RawValue.absent
    var itemID = RawValue.absent
    var type = RawValue.absent
    var timestamp = RawValue.absent
    var eventID = RawValue.absent
    var categoryID = RawValue.absent
    var price = RawValue.absent
    var quantity = RawValue.absent
    var sessionID = RawValue.absent
    var context: [BehaviorEvent.ContextEntry] = []

    /// Known keys, by the slot they fill.
    enum Key: Int, CaseIterable {
        case userID, itemID, type, timestamp, eventID, categoryID, price, quantity, sessionID, context

        var name: String {
            switch self {
            case .userID: "user_id"
            case .itemID: "item_id"
            case .type: "type"
            case .timestamp: "ts"
            case .eventID: "event_id"
            case .categoryID: "category_id"
            case .price: "price"
            case .quantity: "quantity"
            case .sessionID: "session_id"
            case .context: "context"
            }
        }

        /// The key named by these bytes, or `nil` for keys Salience ignores.
        static func named(_ bytes: UnsafeRawBufferPointer) -> Key? {
            switch bytes.count {
            case 2: return matches(bytes, "ts") ? .timestamp : nil
            case 4: return matches(bytes, "type") ? .type : nil
            case 5: return matches(bytes, "price") ? .price : nil
            case 7:
                if matches(bytes, "user_id") { return .userID }
                if matches(bytes, "item_id") { return .itemID }
                return matches(bytes, "context") ? .context : nil
            case 8:
                if matches(bytes, "event_id") { return .eventID }
                return matches(bytes, "quantity") ? .quantity : nil
            case 10: return matches(bytes, "session_id") ? .sessionID : nil
            case 11: return matches(bytes, "category_id") ? .categoryID : nil
            default: return nil
            }
        }

        static func named(_ name: String) -> Key? {
            var name = name
            return name.withUTF8 { named(UnsafeRawBufferPointer($0)) }
        }

        private static func matches(_ bytes: UnsafeRawBufferPointer, _ name: StaticString) -> Bool {
            guard bytes.count == name.utf8CodeUnitCount else { return false }
            return memcmpEqual(bytes.baseAddress!, name.utf8Start, bytes.count)
        }
    }

    subscript(key: Key) -> RawValue {
        get {
            switch key {
            case .userID: userID
            case .itemID: itemID
            case .type: type
            case .timestamp: timestamp
            case .eventID: eventID
            case .categoryID: categoryID
            case .price: price
            case .quantity: quantity
            case .sessionID: sessionID
            case .context: .absent
            }
        }
        set {
            switch key {
            case .userID: userID = newValue
            case .itemID: itemID = newValue
            case .type: type = newValue
            case .timestamp: timestamp = newValue
            case .eventID: eventID = newValue
            case .categoryID: categoryID = newValue
            case .price: price = newValue
            case .quantity: quantity = newValue
            case .sessionID: sessionID = newValue
            case .context: break
            }
        }
    }
}

private func memcmpEqual(_ lhs: UnsafeRawPointer, _ rhs: UnsafePointer<UInt8>, _ count: Int) -> Bool {
    for offset in 0..<count where lhs.load(fromByteOffset: offset, as: UInt8.self) != rhs[offset] {
        return false
    }
    return true
}
