/// The fast path: scans the flat canonical shape — one object, keys and
/// strings without escapes, scalar values, a flat `context` — in one pass
/// without building a tree. Anything else (escapes, nesting, duplicates,
/// unusual numbers, any syntax fault) returns `nil` and the caller falls back
/// to ``JSONEventParser``, which decodes it or explains the fault.
struct FlatEventScanner {
    private let bytes: UnsafeRawBufferPointer
    private var index = 0

    init(_ bytes: UnsafeRawBufferPointer) {
        self.bytes = bytes
    }

    mutating func scan() -> RawEventFields? {
        skipWhitespace()
        guard consume(UInt8(ascii: "{")) else { return nil }
        var fields = RawEventFields()
        var seen: UInt32 = 0
        skipWhitespace()
        if consume(UInt8(ascii: "}")) { return finish(fields) }
        while true {
            skipWhitespace()
            guard let keyRange = plainString() else { return nil }
            skipWhitespace()
            guard consume(UInt8(ascii: ":")) else { return nil }
            skipWhitespace()
            let key = RawEventFields.Key.named(UnsafeRawBufferPointer(rebasing: bytes[keyRange]))
            if let key {
                let bit: UInt32 = 1 << UInt32(key.rawValue)
                guard seen & bit == 0 else { return nil }
                seen |= bit
                if key == .context {
                    guard let context = flatContext() else { return nil }
                    fields.context = context
                } else {
                    guard let value = scalar() else { return nil }
                    fields[key] = value
                }
            } else {
                guard scalar() != nil else { return nil }
            }
            skipWhitespace()
            if consume(UInt8(ascii: ",")) { continue }
            guard consume(UInt8(ascii: "}")) else { return nil }
            return finish(fields)
        }
    }

    private mutating func finish(_ fields: RawEventFields) -> RawEventFields? {
        skipWhitespace()
        return index == bytes.count ? fields : nil
    }

    private mutating func flatContext() -> [BehaviorEvent.ContextEntry]? {
        guard consume(UInt8(ascii: "{")) else { return nil }
        var entries: [BehaviorEvent.ContextEntry] = []
        skipWhitespace()
        if consume(UInt8(ascii: "}")) { return entries }
        while true {
            skipWhitespace()
            guard let keyRange = plainString() else { return nil }
            skipWhitespace()
            guard consume(UInt8(ascii: ":")) else { return nil }
            skipWhitespace()
            let key = String(decoding: UnsafeRawBufferPointer(rebasing: bytes[keyRange]), as: UTF8.self)
            guard !entries.contains(where: { $0.key == key }) else { return nil }
            switch scalar() {
            case .string(let text, _): entries.append(.init(key: key, value: .string(text)))
            case .number(let value, _): entries.append(.init(key: key, value: .number(value)))
            case .integer(let digits, _):
                guard let value = Double(digits), value.isFinite else { return nil }
                entries.append(.init(key: key, value: .number(value)))
            default: return nil
            }
            skipWhitespace()
            if consume(UInt8(ascii: ",")) { continue }
            guard consume(UInt8(ascii: "}")) else { return nil }
            return entries
        }
    }

    /// A string, number, boolean or null; `nil` for anything needing the full parser.
    private mutating func scalar() -> RawValue? {
        guard index < bytes.count else { return nil }
        let start = index
        switch bytes[index] {
        case UInt8(ascii: "\""):
            guard let range = plainString() else { return nil }
            return .string(String(decoding: UnsafeRawBufferPointer(rebasing: bytes[range]), as: UTF8.self), position: start)
        case UInt8(ascii: "-"), UInt8(ascii: "0")...UInt8(ascii: "9"):
            guard let end = JSONNumberGrammar.end(of: bytes, from: index) else { return nil }
            index = end.index
            let text = String(decoding: UnsafeRawBufferPointer(rebasing: bytes[start..<end.index]), as: UTF8.self)
            if end.isInteger { return .integer(text, position: start) }
            guard let value = Double(text), value.isFinite else { return nil }
            return .number(value, position: start)
        case UInt8(ascii: "n"):
            return word("null") ? .null(position: start) : nil
        case UInt8(ascii: "t"):
            return word("true") ? .bool(position: start) : nil
        case UInt8(ascii: "f"):
            return word("false") ? .bool(position: start) : nil
        default:
            return nil
        }
    }

    /// The byte range inside a string token with no escapes or control characters.
    private mutating func plainString() -> Range<Int>? {
        guard consume(UInt8(ascii: "\"")) else { return nil }
        let start = index
        while index < bytes.count {
            let byte = bytes[index]
            if byte == UInt8(ascii: "\"") {
                index += 1
                return start..<(index - 1)
            }
            if byte == UInt8(ascii: "\\") || byte < 0x20 { return nil }
            index += 1
        }
        return nil
    }

    private mutating func word(_ literal: StaticString) -> Bool {
        let count = literal.utf8CodeUnitCount
        guard index + count <= bytes.count else { return false }
        for offset in 0..<count where bytes[index + offset] != literal.utf8Start[offset] {
            return false
        }
        index += count
        return true
    }

    private mutating func consume(_ byte: UInt8) -> Bool {
        guard index < bytes.count, bytes[index] == byte else { return false }
        index += 1
        return true
    }

    private mutating func skipWhitespace() {
        while index < bytes.count {
            switch bytes[index] {
            case 0x20, 0x09, 0x0A, 0x0D: index += 1
            default: return
            }
        }
    }
}
