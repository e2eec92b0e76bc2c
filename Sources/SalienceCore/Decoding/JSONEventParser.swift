/// The complete path: an RFC 8259 JSON parser over bytes that fills
/// ``RawEventFields`` from an object with any key order, escapes, unknown
/// keys (skipped, nesting included) and duplicate detection, and reports the
/// first fault with its position.
struct JSONEventParser {
    private let bytes: UnsafeRawBufferPointer
    private let maxDepth: Int
    private var index = 0

    init(_ bytes: UnsafeRawBufferPointer, maxDepth: Int) {
        self.bytes = bytes
        self.maxDepth = maxDepth
    }

    mutating func parse() throws(EventDecodingError) -> RawEventFields {
        skipWhitespace()
        guard index < bytes.count else { throw EventDecodingError(.empty, "the message is empty or only whitespace") }
        guard bytes[index] == UInt8(ascii: "{") else {
            let value = try parseValue(depth: 1)
            throw EventDecodingError(.notAnObject, "an event must be a JSON object, got \(value.kindName)", position: 0)
        }
        index += 1
        var fields = RawEventFields()
        var seen: UInt32 = 0
        skipWhitespace()
        if peek(UInt8(ascii: "}")) {
            index += 1
        } else {
            while true {
                skipWhitespace()
                let keyPosition = index
                guard peek(UInt8(ascii: "\"")) else { throw malformed("expected a key string") }
                let key = try parseString()
                skipWhitespace()
                guard peek(UInt8(ascii: ":")) else { throw malformed("expected ':' after key '\(key.prefix(40))'") }
                index += 1
                skipWhitespace()
                if let known = RawEventFields.Key.named(key) {
                    let bit: UInt32 = 1 << UInt32(known.rawValue)
                    defer { seen |= bit }
                    guard seen & bit == 0 else {
                        throw EventDecodingError(.duplicateField, "\(known.name): appears more than once (byte \(keyPosition))", field: known.name, position: keyPosition)
                    }
                    if known == .context {
                        fields.context = try parseContext()
                    } else {
                        fields[known] = try parseValue(depth: 2)
                    }
                } else {
                    _ = try parseValue(depth: 2)
                }
                skipWhitespace()
                guard index < bytes.count else { throw malformed("the object is not closed") }
                if bytes[index] == UInt8(ascii: ",") {
                    index += 1
                    continue
                }
                guard bytes[index] == UInt8(ascii: "}") else { throw malformed("expected ',' or '}'") }
                index += 1
                break
            }
        }
        skipWhitespace()
        guard index == bytes.count else { throw malformed("unexpected bytes after the event object") }
        return fields
    }

    /// `context`: an object of strings and numbers, or null.
    private mutating func parseContext() throws(EventDecodingError) -> [BehaviorEvent.ContextEntry] {
        let start = index
        guard peek(UInt8(ascii: "{")) else {
            let value = try parseValue(depth: 2)
            if case .null = value { return [] }
            throw EventDecodingError(.wrongType, "context: expected an object of strings and numbers, got \(value.kindName) at byte \(start)", field: "context", position: start)
        }
        index += 1
        var entries: [BehaviorEvent.ContextEntry] = []
        skipWhitespace()
        if peek(UInt8(ascii: "}")) {
            index += 1
            return entries
        }
        while true {
            skipWhitespace()
            guard peek(UInt8(ascii: "\"")) else { throw malformed("expected a key string in context") }
            let keyPosition = index
            let key = try parseString()
            skipWhitespace()
            guard peek(UInt8(ascii: ":")) else { throw malformed("expected ':' in context") }
            index += 1
            skipWhitespace()
            let value = try parseValue(depth: 3)
            let field = "context.\(key.prefix(64))"
            switch value {
            case .string(let text, _): entries.append(.init(key: key, value: .string(text)))
            case .smallInteger(let value, _):
                entries.append(.init(key: key, value: .number(Double(value))))
            case .integer(let digits, let position):
                guard let number = Double(digits), number.isFinite else {
                    throw EventDecodingError(.nonFiniteNumber, "\(field): beyond a double's range at byte \(position)", field: field, position: position)
                }
                entries.append(.init(key: key, value: .number(number)))
            case .number(let number, _): entries.append(.init(key: key, value: .number(number)))
            case .null: break
            case .nonFinite(let position):
                throw EventDecodingError(.nonFiniteNumber, "\(field): NaN or Infinity at byte \(position)", field: field, position: position)
            default:
                throw EventDecodingError(.wrongType, "\(field): context values must be strings or numbers, got \(value.kindName)", field: field, position: value.position)
            }
            if entries.dropLast().contains(where: { $0.key == key }) {
                throw EventDecodingError(.duplicateField, "\(field): appears more than once (byte \(keyPosition))", field: field, position: keyPosition)
            }
            skipWhitespace()
            guard index < bytes.count else { throw malformed("context is not closed") }
            if bytes[index] == UInt8(ascii: ",") {
                index += 1
                continue
            }
            guard bytes[index] == UInt8(ascii: "}") else { throw malformed("expected ',' or '}' in context") }
            index += 1
            return entries
        }
    }

    private mutating func parseValue(depth: Int) throws(EventDecodingError) -> RawValue {
        guard depth <= maxDepth else {
            throw EventDecodingError(.nestingTooDeep, "nesting deeper than \(maxDepth) levels at byte \(index)", position: index)
        }
        guard index < bytes.count else { throw malformed("a value is missing") }
        let start = index
        switch bytes[index] {
        case UInt8(ascii: "\""):
            return .string(try parseString(), position: start)
        case UInt8(ascii: "{"):
            try skipContainer(close: UInt8(ascii: "}"), isObject: true, depth: depth)
            return .object(position: start)
        case UInt8(ascii: "["):
            try skipContainer(close: UInt8(ascii: "]"), isObject: false, depth: depth)
            return .array(position: start)
        case UInt8(ascii: "t"):
            try literal("true")
            return .bool(position: start)
        case UInt8(ascii: "f"):
            try literal("false")
            return .bool(position: start)
        case UInt8(ascii: "n"):
            try literal("null")
            return .null(position: start)
        case UInt8(ascii: "N"):
            try literal("NaN")
            return .nonFinite(position: start)
        case UInt8(ascii: "I"):
            try literal("Infinity")
            return .nonFinite(position: start)
        case UInt8(ascii: "-") where index + 1 < bytes.count && bytes[index + 1] == UInt8(ascii: "I"):
            index += 1
            try literal("Infinity")
            return .nonFinite(position: start)
        case UInt8(ascii: "-"), UInt8(ascii: "0")...UInt8(ascii: "9"):
            return try parseNumber()
        default:
            throw malformed("unexpected byte 0x\(String(bytes[index], radix: 16))")
        }
    }

    private mutating func skipContainer(close: UInt8, isObject: Bool, depth: Int) throws(EventDecodingError) {
        index += 1
        skipWhitespace()
        if peek(close) {
            index += 1
            return
        }
        while true {
            skipWhitespace()
            if isObject {
                guard peek(UInt8(ascii: "\"")) else { throw malformed("expected a key string") }
                _ = try parseString()
                skipWhitespace()
                guard peek(UInt8(ascii: ":")) else { throw malformed("expected ':'") }
                index += 1
                skipWhitespace()
            }
            _ = try parseValue(depth: depth + 1)
            skipWhitespace()
            guard index < bytes.count else { throw malformed("a container is not closed") }
            if bytes[index] == UInt8(ascii: ",") {
                index += 1
                continue
            }
            guard bytes[index] == close else { throw malformed("expected ',' or a closing bracket") }
            index += 1
            return
        }
    }

    private mutating func parseNumber() throws(EventDecodingError) -> RawValue {
        let start = index
        guard let end = JSONNumberGrammar.end(of: bytes, from: index) else { throw malformed("invalid number") }
        index = end.index
        let number = UnsafeRawBufferPointer(rebasing: bytes[start..<end.index])
        if end.isInteger { return .integerLiteral(number, position: start) }
        let text = String(decoding: number, as: UTF8.self)
        guard let value = Double(text), value.isFinite else { return .nonFinite(position: start) }
        return .number(value, position: start)
    }

    /// A string token, escapes decoded.
    private mutating func parseString() throws(EventDecodingError) -> String {
        let start = index
        index += 1
        var plainEnd = index
        while plainEnd < bytes.count, bytes[plainEnd] != UInt8(ascii: "\""), bytes[plainEnd] != UInt8(ascii: "\\"), bytes[plainEnd] >= 0x20 {
            plainEnd += 1
        }
        if plainEnd < bytes.count, bytes[plainEnd] == UInt8(ascii: "\"") {
            let text = String(decoding: UnsafeRawBufferPointer(rebasing: bytes[index..<plainEnd]), as: UTF8.self)
            index = plainEnd + 1
            return text
        }
        var decoded = Array(UnsafeRawBufferPointer(rebasing: bytes[index..<plainEnd]))
        index = plainEnd
        while true {
            guard index < bytes.count else {
                throw EventDecodingError(.malformedJSON, "the string starting at byte \(start) is not closed", position: start)
            }
            let byte = bytes[index]
            switch byte {
            case UInt8(ascii: "\""):
                index += 1
                return String(decoding: decoded, as: UTF8.self)
            case UInt8(ascii: "\\"):
                index += 1
                guard index < bytes.count else { throw malformed("an escape is cut off") }
                let escape = bytes[index]
                index += 1
                switch escape {
                case UInt8(ascii: "\""), UInt8(ascii: "\\"), UInt8(ascii: "/"): decoded.append(escape)
                case UInt8(ascii: "b"): decoded.append(0x08)
                case UInt8(ascii: "f"): decoded.append(0x0C)
                case UInt8(ascii: "n"): decoded.append(0x0A)
                case UInt8(ascii: "r"): decoded.append(0x0D)
                case UInt8(ascii: "t"): decoded.append(0x09)
                case UInt8(ascii: "u"):
                    var scalar = try hex4()
                    if (0xD800...0xDBFF).contains(scalar) {
                        guard index + 1 < bytes.count, bytes[index] == UInt8(ascii: "\\"), bytes[index + 1] == UInt8(ascii: "u") else {
                            throw malformed("a lone high surrogate")
                        }
                        index += 2
                        let low = try hex4()
                        guard (0xDC00...0xDFFF).contains(low) else { throw malformed("a high surrogate without its low half") }
                        scalar = 0x10000 + ((scalar - 0xD800) << 10) + (low - 0xDC00)
                    } else if (0xDC00...0xDFFF).contains(scalar) {
                        throw malformed("a lone low surrogate")
                    }
                    decoded.append(contentsOf: String(Character(Unicode.Scalar(scalar)!)).utf8)
                default:
                    throw malformed("invalid escape '\\\(Character(Unicode.Scalar(escape)))'")
                }
            case 0..<0x20:
                throw malformed("a raw control character in a string")
            default:
                decoded.append(byte)
                index += 1
            }
        }
    }

    private mutating func hex4() throws(EventDecodingError) -> UInt32 {
        guard index + 4 <= bytes.count else { throw malformed("a \\u escape is cut off") }
        var value: UInt32 = 0
        for _ in 0..<4 {
            let byte = bytes[index]
            let digit: UInt8
            switch byte {
            case UInt8(ascii: "0")...UInt8(ascii: "9"): digit = byte - UInt8(ascii: "0")
            case UInt8(ascii: "a")...UInt8(ascii: "f"): digit = byte - UInt8(ascii: "a") + 10
            case UInt8(ascii: "A")...UInt8(ascii: "F"): digit = byte - UInt8(ascii: "A") + 10
            default: throw malformed("a \\u escape needs four hex digits")
            }
            value = value << 4 | UInt32(digit)
            index += 1
        }
        return value
    }

    private mutating func literal(_ word: StaticString) throws(EventDecodingError) {
        let count = word.utf8CodeUnitCount
        guard index + count <= bytes.count else { throw malformed("input ends inside a literal") }
        for offset in 0..<count where bytes[index + offset] != word.utf8Start[offset] {
            throw malformed("invalid literal")
        }
        index += count
    }

    private func peek(_ byte: UInt8) -> Bool {
        index < bytes.count && bytes[index] == byte
    }

    private mutating func skipWhitespace() {
        while index < bytes.count {
            switch bytes[index] {
            case 0x20, 0x09, 0x0A, 0x0D: index += 1
            default: return
            }
        }
    }

    private func malformed(_ what: String) -> EventDecodingError {
        let position = min(index, bytes.count)
        let reason: EventDecodingError.Reason = .malformedJSON
        return EventDecodingError(reason, "\(what) at byte \(position)\(index >= bytes.count ? " (input truncated?)" : "")", position: position)
    }
}

/// JSON's number grammar: `-? (0 | [1-9][0-9]*) (. [0-9]+)? ([eE] [+-]? [0-9]+)?`.
enum JSONNumberGrammar {
    /// Where the number starting at `start` ends and whether it is an integer
    /// literal, or `nil` when the bytes are not a JSON number.
    static func end(of bytes: UnsafeRawBufferPointer, from start: Int) -> (index: Int, isInteger: Bool)? {
        var index = start
        func isDigit(_ i: Int) -> Bool { i < bytes.count && bytes[i] >= 0x30 && bytes[i] <= 0x39 }
        if index < bytes.count, bytes[index] == UInt8(ascii: "-") { index += 1 }
        guard isDigit(index) else { return nil }
        if bytes[index] == UInt8(ascii: "0") {
            index += 1
        } else {
            while isDigit(index) { index += 1 }
        }
        var isInteger = true
        if index < bytes.count, bytes[index] == UInt8(ascii: ".") {
            index += 1
            guard isDigit(index) else { return nil }
            while isDigit(index) { index += 1 }
            isInteger = false
        }
        if index < bytes.count, bytes[index] == UInt8(ascii: "e") || bytes[index] == UInt8(ascii: "E") {
            index += 1
            if index < bytes.count, bytes[index] == UInt8(ascii: "+") || bytes[index] == UInt8(ascii: "-") { index += 1 }
            guard isDigit(index) else { return nil }
            while isDigit(index) { index += 1 }
            isInteger = false
        }
        // A number must end at a delimiter, not run into letters ("12abc").
        if index < bytes.count {
            switch bytes[index] {
            case 0x20, 0x09, 0x0A, 0x0D, UInt8(ascii: ","), UInt8(ascii: "}"), UInt8(ascii: "]"): break
            default: return nil
            }
        }
        return (index, isInteger)
    }
}
