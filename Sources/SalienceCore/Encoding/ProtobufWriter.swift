/// Writes protobuf (proto3) wire format by hand: varints, 64-bit doubles and
/// length-delimited fields. Default values are left out, as proto3 does.
public struct ProtobufWriter: Sendable {
    public private(set) var bytes: [UInt8] = []

    public init() {}

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

    /// An embedded message.
    public mutating func field(_ number: Int, message: (inout ProtobufWriter) -> Void) {
        var inner = ProtobufWriter()
        message(&inner)
        tag(number, wireType: 2)
        varint(UInt64(inner.bytes.count))
        bytes.append(contentsOf: inner.bytes)
    }

    private mutating func tag(_ number: Int, wireType: UInt64) {
        varint(UInt64(number) << 3 | wireType)
    }
}
