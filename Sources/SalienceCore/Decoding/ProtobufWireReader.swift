/// Reads protobuf's wire format (varint, 64-bit, length-delimited and 32-bit
/// fields), for reading back what ``ProtobufWriter`` wrote: samples in `.pb`
/// files (Schemas/weighted_sample.proto). Truncated or malformed input throws;
/// it never reads past the bytes.
public struct ProtobufWireReader: Sendable {
    /// One field's value as it is on the wire.
    public enum Value: Equatable, Sendable {
        case varint(UInt64)
        case fixed64(UInt64)
        case bytes([UInt8])
        case fixed32(UInt32)

        /// A `double` field.
        public var double: Double? {
            if case .fixed64(let bits) = self { Double(bitPattern: bits) } else { nil }
        }

        /// An integer or enum field (int32/int64 as two's complement).
        public var integer: Int64? {
            if case .varint(let value) = self { Int64(bitPattern: value) } else { nil }
        }

        /// A `string` field.
        public var string: String? {
            if case .bytes(let bytes) = self { String(decoding: bytes, as: UTF8.self) } else { nil }
        }

        /// An embedded message's fields.
        public var message: [Int: Value]? {
            guard case .bytes(let bytes) = self else { return nil }
            var reader = ProtobufWireReader(bytes: bytes)
            return try? reader.fields()
        }
    }

    /// The input does not hold well-formed protobuf.
    public struct Malformed: Error, Sendable, CustomStringConvertible {
        /// What was wrong, and at which byte.
        public let description: String
    }

    /// The bytes being read.
    public let bytes: [UInt8]
    /// The next byte to read.
    public private(set) var index = 0

    /// A reader at the start of `bytes`.
    public init(bytes: [UInt8]) {
        self.bytes = bytes
    }

    /// Whether every byte has been read.
    public var atEnd: Bool { index >= bytes.count }

    /// A base-128 varint.
    public mutating func varint() throws(Malformed) -> UInt64 {
        var result: UInt64 = 0
        var shift: UInt64 = 0
        while shift < 64 {
            guard index < bytes.count else { throw Malformed(description: "a varint is cut off at byte \(index)") }
            let byte = bytes[index]
            index += 1
            result |= UInt64(byte & 0x7F) << shift
            if byte < 0x80 { return result }
            shift += 7
        }
        throw Malformed(description: "a varint longer than 10 bytes ends at byte \(index)")
    }

    /// The next `count` bytes.
    public mutating func take(_ count: Int) throws(Malformed) -> [UInt8] {
        guard count >= 0, count <= bytes.count - index else {
            throw Malformed(description: "\(count) bytes announced at byte \(index), \(bytes.count - index) left")
        }
        defer { index += count }
        return Array(bytes[index..<index + count])
    }

    /// Every field up to the end, by field number (a repeated number keeps its last value).
    public mutating func fields() throws(Malformed) -> [Int: Value] {
        var fields: [Int: Value] = [:]
        while !atEnd {
            let key = try varint()
            let number = Int(key >> 3)
            switch key & 7 {
            case 0: fields[number] = .varint(try varint())
            case 1: fields[number] = .fixed64(try take(8).reversed().reduce(0) { $0 << 8 | UInt64($1) })
            case 2: fields[number] = .bytes(try take(Int(clamping: try varint())))
            case 5: fields[number] = .fixed32(try take(4).reversed().reduce(0) { $0 << 8 | UInt32($1) })
            default: throw Malformed(description: "wire type \(key & 7) of field \(number) at byte \(index) is not one protobuf writes")
            }
        }
        return fields
    }

    /// The next message of a length-delimited stream (a varint length, then the message).
    public mutating func delimitedMessage() throws(Malformed) -> [UInt8] {
        try take(Int(clamping: try varint()))
    }
}
