/// Writes compact JSON into a byte buffer without Foundation: the output path
/// of events and samples. Numbers use Swift's shortest round-tripping form.
public struct JSONWriter: Sendable {
    public private(set) var bytes: [UInt8] = []
    private var needsComma: [Bool] = []

    public init(capacity: Int = 256) {
        bytes.reserveCapacity(capacity)
    }

    /// Starts an object, as a value or under `key` inside an object.
    public mutating func beginObject(_ key: String? = nil) {
        if let key { writeKey(key) } else { separate() }
        bytes.append(UInt8(ascii: "{"))
        needsComma.append(false)
    }

    public mutating func endObject() {
        needsComma.removeLast()
        bytes.append(UInt8(ascii: "}"))
    }

    public mutating func field(_ key: String, _ value: String) {
        writeKey(key)
        writeString(value)
    }

    /// A string field from its UTF-8 bytes, escaped as JSON requires.
    public mutating func field(_ key: String, utf8 value: UnsafeRawBufferPointer) {
        writeKey(key)
        writeString(value)
    }

    public mutating func field(_ key: String, _ value: Int64) {
        writeKey(key)
        writeDecimal(value)
    }

    public mutating func field(_ key: String, _ value: Int) {
        field(key, Int64(value))
    }

    /// A finite double; non-finite values are written as `null`.
    public mutating func field(_ key: String, _ value: Double) {
        writeKey(key)
        if value.isFinite {
            writeShortest(value)
        } else {
            bytes.append(contentsOf: "null".utf8)
        }
    }

    public mutating func field(_ key: String, _ value: Bool) {
        writeKey(key)
        bytes.append(contentsOf: (value ? "true" : "false").utf8)
    }

    /// Starts an array under `key` inside an object; ``element(_:)-(Int)``
    /// and its overloads write its values.
    public mutating func beginArray(_ key: String) {
        writeKey(key)
        bytes.append(UInt8(ascii: "["))
        needsComma.append(false)
    }

    public mutating func endArray() {
        needsComma.removeLast()
        bytes.append(UInt8(ascii: "]"))
    }

    /// An integer element of the open array.
    public mutating func element(_ value: Int) {
        separate()
        writeDecimal(Int64(value))
    }

    /// A finite double element of the open array; non-finite values are written as `null`.
    public mutating func element(_ value: Double) {
        separate()
        if value.isFinite {
            writeShortest(value)
        } else {
            bytes.append(contentsOf: "null".utf8)
        }
    }

    /// A string element of the open array.
    public mutating func element(_ value: String) {
        separate()
        writeString(value)
    }

    /// Forgets what was written, keeping the buffer for the next value.
    public mutating func removeAll() {
        bytes.removeAll(keepingCapacity: true)
        needsComma.removeAll(keepingCapacity: true)
    }

    /// Moves the finished bytes out and starts over.
    public mutating func take() -> [UInt8] {
        defer {
            bytes.removeAll(keepingCapacity: true)
            needsComma.removeAll(keepingCapacity: true)
        }
        return bytes
    }

    /// `value` as a JSON string literal, quotes included (also a valid YAML
    /// double-quoted scalar).
    public static func quoted(_ value: String) -> String {
        var writer = JSONWriter(capacity: value.utf8.count + 2)
        writer.writeString(value)
        return String(decoding: writer.bytes, as: UTF8.self)
    }

    private mutating func writeKey(_ key: String) {
        separate()
        writeString(key)
        bytes.append(UInt8(ascii: ":"))
    }

    private mutating func separate() {
        guard let last = needsComma.indices.last else { return }
        if needsComma[last] { bytes.append(UInt8(ascii: ",")) }
        needsComma[last] = true
    }

    private mutating func writeString(_ value: String) {
        var value = value
        value.withUTF8 { writeString(UnsafeRawBufferPointer($0)) }
    }

    private mutating func writeString(_ value: UnsafeRawBufferPointer) {
        bytes.append(UInt8(ascii: "\""))
        // Most strings need no escaping: copy them whole.
        if !value.contains(where: { $0 < 0x20 || $0 == UInt8(ascii: "\"") || $0 == UInt8(ascii: "\\") }) {
            bytes.append(contentsOf: value)
            bytes.append(UInt8(ascii: "\""))
            return
        }
        for byte in value {
            switch byte {
            case UInt8(ascii: "\""): bytes.append(contentsOf: [UInt8(ascii: "\\"), UInt8(ascii: "\"")])
            case UInt8(ascii: "\\"): bytes.append(contentsOf: [UInt8(ascii: "\\"), UInt8(ascii: "\\")])
            case 0x0A: bytes.append(contentsOf: [UInt8(ascii: "\\"), UInt8(ascii: "n")])
            case 0x0D: bytes.append(contentsOf: [UInt8(ascii: "\\"), UInt8(ascii: "r")])
            case 0x09: bytes.append(contentsOf: [UInt8(ascii: "\\"), UInt8(ascii: "t")])
            case 0..<0x20:
                bytes.append(contentsOf: Array("\\u00".utf8))
                bytes.append(Self.hexDigits[Int(byte >> 4)])
                bytes.append(Self.hexDigits[Int(byte & 0xF)])
            default: bytes.append(byte)
            }
        }
        bytes.append(UInt8(ascii: "\""))
    }

    private static let hexDigits = Array("0123456789abcdef".utf8)

    private mutating func writeDecimal(_ value: Int64) {
        DecimalText.append(value, to: &bytes)
    }

    /// A finite double as `value.description` spells it, without making a
    /// string: `Double.write(to:)` hands its digits to the stream's
    /// `_writeASCII` as bytes.
    private mutating func writeShortest(_ value: Double) {
        var sink = ASCIISink()
        swap(&sink.bytes, &bytes)
        value.write(to: &sink)
        swap(&sink.bytes, &bytes)
    }
}

/// Takes a number's ASCII digits straight into a byte buffer.
private struct ASCIISink: TextOutputStream {
    var bytes: [UInt8] = []

    mutating func write(_ string: String) {
        bytes.append(contentsOf: string.utf8)
    }

    mutating func _writeASCII(_ buffer: UnsafeBufferPointer<UInt8>) {
        bytes.append(contentsOf: buffer)
    }
}

/// A value with a compact JSON form written by a ``JSONWriter``.
public protocol JSONWritable {
    func write(to writer: inout JSONWriter)
}

extension JSONWritable {
    /// The JSON bytes of the value.
    public var jsonBytes: [UInt8] {
        var writer = JSONWriter()
        write(to: &writer)
        return writer.take()
    }
}
