/// Appends little-endian binary values: the encoding of estimator state.
public struct BinaryWriter: Sendable {
    public private(set) var bytes: [UInt8] = []
    /// Whether tables write only the slots changed since their last
    /// ``SlotTable/clearChanges()`` (an incremental checkpoint) rather than all.
    public let changesOnly: Bool

    public init(capacity: Int = 0, changesOnly: Bool = false) {
        bytes.reserveCapacity(capacity)
        self.changesOnly = changesOnly
    }

    public mutating func write(_ value: UInt8) { bytes.append(value) }
    public mutating func write(_ value: Bool) { bytes.append(value ? 1 : 0) }
    public mutating func write(_ value: UInt16) { appendLittleEndian(value) }
    public mutating func write(_ value: UInt32) { appendLittleEndian(value) }
    public mutating func write(_ value: UInt64) { appendLittleEndian(value) }
    public mutating func write(_ value: Int64) { appendLittleEndian(UInt64(bitPattern: value)) }
    public mutating func write(_ value: Int) { write(Int64(value)) }
    public mutating func write(_ value: Double) { appendLittleEndian(value.bitPattern) }
    public mutating func write(_ value: Float) { appendLittleEndian(value.bitPattern) }

    public mutating func write(_ value: String) {
        write(UInt32(value.utf8.count))
        bytes.append(contentsOf: value.utf8)
    }

    public mutating func write(_ value: [UInt8]) {
        write(UInt64(value.count))
        bytes.append(contentsOf: value)
    }

    public mutating func write(_ values: [Double]) {
        write(UInt64(values.count))
        bytes.reserveCapacity(bytes.count + values.count * 8)
        for value in values { appendLittleEndian(value.bitPattern) }
    }

    public mutating func write(_ values: [Int64]) {
        write(UInt64(values.count))
        bytes.reserveCapacity(bytes.count + values.count * 8)
        for value in values { appendLittleEndian(UInt64(bitPattern: value)) }
    }

    public mutating func write(_ values: [UInt32]) {
        write(UInt64(values.count))
        bytes.reserveCapacity(bytes.count + values.count * 4)
        for value in values { appendLittleEndian(value) }
    }

    /// `value` as an unsigned LEB128 varint: 7 bits per byte, low first.
    public mutating func writeVarint(_ value: UInt64) {
        var rest = value
        while rest >= 0x80 {
            bytes.append(UInt8(truncatingIfNeeded: rest) | 0x80)
            rest >>= 7
        }
        bytes.append(UInt8(rest))
    }

    public mutating func write(_ value: some BinaryCodable) {
        value.encode(to: &self)
    }

    private mutating func appendLittleEndian<Value: FixedWidthInteger>(_ value: Value) {
        withUnsafeBytes(of: value.littleEndian) { bytes.append(contentsOf: $0) }
    }
}

/// Reads what a ``BinaryWriter`` wrote, failing cleanly on truncated input.
public struct BinaryReader {
    private let bytes: [UInt8]
    public private(set) var offset: Int
    /// Whether the bytes are a change set (``BinaryWriter/changesOnly``).
    public let changesOnly: Bool

    public init(_ bytes: [UInt8], offset: Int = 0, changesOnly: Bool = false) {
        self.bytes = bytes
        self.offset = offset
        self.changesOnly = changesOnly
    }

    /// Bytes not read yet.
    public var remaining: Int { bytes.count - offset }

    public mutating func read(_: UInt8.Type) throws -> UInt8 {
        try need(1)
        defer { offset += 1 }
        return bytes[offset]
    }

    public mutating func read(_: Bool.Type) throws -> Bool {
        switch try read(UInt8.self) {
        case 0: return false
        case 1: return true
        case let other: throw StateDecodingError(.malformed, "byte \(offset - 1) should be a boolean, is \(other)")
        }
    }

    public mutating func read(_: UInt16.Type) throws -> UInt16 { try readLittleEndian() }
    public mutating func read(_: UInt32.Type) throws -> UInt32 { try readLittleEndian() }
    public mutating func read(_: UInt64.Type) throws -> UInt64 { try readLittleEndian() }
    public mutating func read(_: Int64.Type) throws -> Int64 { Int64(bitPattern: try readLittleEndian()) }
    public mutating func read(_: Int.Type) throws -> Int { Int(try read(Int64.self)) }
    public mutating func read(_: Double.Type) throws -> Double { Double(bitPattern: try readLittleEndian()) }
    public mutating func read(_: Float.Type) throws -> Float { Float(bitPattern: try readLittleEndian()) }

    public mutating func read(_: String.Type) throws -> String {
        let count = Int(try read(UInt32.self))
        try need(count)
        defer { offset += count }
        return String(decoding: bytes[offset..<offset + count], as: UTF8.self)
    }

    public mutating func read(_: [UInt8].Type) throws -> [UInt8] {
        let count = try readCount(elementSize: 1)
        defer { offset += count }
        return Array(bytes[offset..<offset + count])
    }

    public mutating func read(_: [Double].Type) throws -> [Double] {
        let count = try readCount(elementSize: 8)
        return try .largeTable(count: count) { _ in try read(Double.self) }
    }

    public mutating func read(_: [Int64].Type) throws -> [Int64] {
        let count = try readCount(elementSize: 8)
        return try (0..<count).map { _ in try read(Int64.self) }
    }

    public mutating func read(_: [UInt32].Type) throws -> [UInt32] {
        let count = try readCount(elementSize: 4)
        return try (0..<count).map { _ in try read(UInt32.self) }
    }

    /// An unsigned LEB128 varint (``BinaryWriter/writeVarint(_:)``).
    public mutating func readVarint() throws -> UInt64 {
        var value: UInt64 = 0
        for shift in stride(from: 0, to: 64, by: 7) {
            let byte = try read(UInt8.self)
            value |= UInt64(byte & 0x7F) << UInt64(shift)
            if byte < 0x80 { return value }
        }
        throw StateDecodingError(.malformed, "a varint at byte \(offset) runs past 64 bits")
    }

    public mutating func read<Value: BinaryCodable>(_: Value.Type) throws -> Value {
        try Value(from: &self)
    }

    /// Reads an element count and checks the elements fit in what is left.
    private mutating func readCount(elementSize: Int) throws -> Int {
        let count = try read(UInt64.self)
        guard count <= UInt64(remaining / elementSize) else {
            throw StateDecodingError(.truncated, "an array of \(count) elements at byte \(offset) runs past the end")
        }
        return Int(count)
    }

    private mutating func need(_ count: Int) throws {
        guard count <= remaining else {
            throw StateDecodingError(.truncated, "needs \(count) bytes at byte \(offset), \(remaining) left")
        }
    }

    private mutating func readLittleEndian<Value: FixedWidthInteger>() throws -> Value {
        let size = MemoryLayout<Value>.size
        try need(size)
        var value = Value.zero
        for index in 0..<size {
            value |= Value(bytes[offset + index]) << (8 * index)
        }
        offset += size
        return value
    }
}

/// A value with a binary state encoding.
public protocol BinaryCodable {
    func encode(to writer: inout BinaryWriter)
    init(from reader: inout BinaryReader) throws
}
