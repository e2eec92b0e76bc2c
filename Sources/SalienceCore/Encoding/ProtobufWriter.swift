/// Writes protobuf (proto3) wire format by hand: varints, 64-bit doubles and
/// length-delimited fields. Default values are left out, as proto3 does.
/// Embedded messages are written in place, so a writer emptied with
/// ``removeAll()`` and used again allocates nothing once its buffer is large
/// enough.
public struct ProtobufWriter: Sendable {
    /// The bytes written so far.
    public private(set) var bytes: [UInt8] = []

    /// An empty writer with room for `capacity` bytes.
    public init(capacity: Int = 0) {
        bytes.reserveCapacity(capacity)
    }

    /// Empties the writer, keeping its buffer.
    public mutating func removeAll() {
        bytes.removeAll(keepingCapacity: true)
    }

    public mutating func varint(_ value: UInt64) {
        var value = value
        while value >= 0x80 {
            bytes.append(UInt8(value & 0x7F) | 0x80)
            value >>= 7
        }
        bytes.append(UInt8(value))
    }

    public mutating func field(_ number: Int, _ value: String) {
        var value = value
        value.withUTF8 { field(number, utf8: UnsafeRawBufferPointer($0)) }
    }

    /// A string field from its UTF-8 bytes.
    public mutating func field(_ number: Int, utf8 value: UnsafeRawBufferPointer) {
        guard !value.isEmpty else { return }
        tag(number, wireType: 2)
        varint(UInt64(value.count))
        bytes.append(contentsOf: value)
    }

    /// int32, int64 and enum fields (negative values take ten bytes, as in protobuf).
    public mutating func field(_ number: Int, _ value: Int64) {
        guard value != 0 else { return }
        tag(number, wireType: 0)
        varint(UInt64(bitPattern: value))
    }

    public mutating func field(_ number: Int, _ value: Double) {
        guard value != 0 || value.sign == .minus else { return }
        field(number, present: value)
    }

    /// A proto3 `optional double`: written even when 0, so its presence shows.
    public mutating func field(_ number: Int, present value: Double) {
        tag(number, wireType: 1)
        withUnsafeBytes(of: value.bitPattern.littleEndian) { bytes.append(contentsOf: $0) }
    }

    /// An embedded message, written by `message` after a length byte that is
    /// widened afterwards if the message takes 128 bytes or more.
    public mutating func field(_ number: Int, message: (inout ProtobufWriter) -> Void) {
        tag(number, wireType: 2)
        let lengthIndex = bytes.count
        bytes.append(0)
        message(&self)
        let length = bytes.count - lengthIndex - 1
        guard length >= 0x80 else {
            bytes[lengthIndex] = UInt8(length)
            return
        }
        var prefix = ProtobufWriter()
        prefix.varint(UInt64(length))
        bytes.replaceSubrange(lengthIndex...lengthIndex, with: prefix.bytes)
    }

    private mutating func tag(_ number: Int, wireType: UInt64) {
        varint(UInt64(number) << 3 | wireType)
    }
}
