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

    /// Fills `fields` and returns `true`, or returns `false` for the complete parser.
    mutating func scan(into fields: inout RawEventFields) -> Bool {
        skipWhitespace()
        guard consume(UInt8(ascii: "{")) else { return false }
        var seen: UInt32 = 0
        skipWhitespace()
        if consume(UInt8(ascii: "}")) { return finish() }
        while true {
            skipWhitespace()
            guard let keyRange = plainString() else { return false }
            skipWhitespace()
            guard consume(UInt8(ascii: ":")) else { return false }
            skipWhitespace()
            let key = RawEventFields.Key.named(UnsafeRawBufferPointer(rebasing: bytes[keyRange]))
            if let key {
                let bit: UInt32 = 1 << UInt32(key.rawValue)
                guard seen & bit == 0 else { return false }
                seen |= bit
                if key == .context {
                    guard let context = flatContext() else { return false }
                    fields.context = context
                } else {
                    guard let value = scalar() else { return false }
                    fields[key] = value
                }
            } else {
                guard scalar() != nil else { return false }
            }
            skipWhitespace()
            if consume(UInt8(ascii: ",")) { continue }
            guard consume(UInt8(ascii: "}")) else { return false }
            return finish()
        }
    }

    private mutating func finish() -> Bool {
        skipWhitespace()
        return index == bytes.count
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
            case .text(let text, _): entries.append(.init(key: key, value: .string(String(decoding: text, as: UTF8.self))))
            case .number(let value, _): entries.append(.init(key: key, value: .number(value)))
            case .smallInteger(let value, _):
                entries.append(.init(key: key, value: .number(Double(value))))
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
            return .text(UnsafeRawBufferPointer(rebasing: bytes[range]), position: start)
        case UInt8(ascii: "-"), UInt8(ascii: "0")...UInt8(ascii: "9"):
            guard let end = JSONNumberGrammar.end(of: bytes, from: index) else { return nil }
            index = end.index
            let number = UnsafeRawBufferPointer(rebasing: bytes[start..<end.index])
            if end.isInteger { return .integerLiteral(number, position: start) }
            if let value = DecimalParsing.fastDouble(number) { return .number(value, position: start) }
            let text = String(decoding: number, as: UTF8.self)
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
        // Eight bytes at a time while none is a quote, a backslash or a
        // control character; then straight to the first one that is.
        while index + 8 <= bytes.count {
            let word = UInt64(littleEndian: bytes.loadUnaligned(fromByteOffset: index, as: UInt64.self))
            let special = Self.specialBytes(word)
            if special != 0 {
                index += special.trailingZeroBitCount / 8
                break
            }
            index += 8
        }
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

    /// The high bit of each byte of `word` (byte 0 lowest) that is `"`, `\\`
    /// or below 0x20, by SWAR zero-byte tests. Borrows can also flag bytes
    /// above a flagged one, never below: the lowest flag is exact.
    @inline(__always)
    private static func specialBytes(_ word: UInt64) -> UInt64 {
        let ones: UInt64 = 0x0101_0101_0101_0101
        let highs: UInt64 = 0x8080_8080_8080_8080
        func zeroBytes(_ value: UInt64) -> UInt64 { (value &- ones) & ~value & highs }
        let quote = word ^ (ones &* 0x22)
        let backslash = word ^ (ones &* 0x5C)
        // Bytes below 0x20: (byte - 0x20) borrows into the high bit for those without it set.
        let control = (word &- ones &* 0x20) & ~word & highs
        return zeroBytes(quote) | zeroBytes(backslash) | control
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
