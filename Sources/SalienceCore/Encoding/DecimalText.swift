/// Integers as decimal ASCII, appended to byte buffers without making strings.
public enum DecimalText {
    /// The most bytes any `Int64` takes: a sign and 19 digits.
    public static let maximumLength = 20

    /// Appends `value` as `String(value)` spells it.
    public static func append(_ value: Int64, to bytes: inout [UInt8]) {
        withUnsafeTemporaryAllocation(byteCount: maximumLength, alignment: 1) { buffer in
            let count = write(value, into: buffer, at: 0)
            bytes.append(contentsOf: UnsafeRawBufferPointer(rebasing: buffer[..<count]))
        }
    }

    /// Writes `value` as `String(value)` spells it into `buffer` from `index`,
    /// which must leave ``maximumLength`` bytes, and returns the index after it.
    public static func write(_ value: Int64, into buffer: UnsafeMutableRawBufferPointer, at index: Int) -> Int {
        var end = index
        if value < 0 {
            buffer[end] = UInt8(ascii: "-")
            end += 1
        }
        var magnitude = value.magnitude
        var digits = 0
        repeat {
            digits += 1
            magnitude /= 10
        } while magnitude != 0
        magnitude = value.magnitude
        // Digits are written backwards from the last.
        for position in stride(from: end + digits - 1, through: end, by: -1) {
            buffer[position] = UInt8(ascii: "0") &+ UInt8(truncatingIfNeeded: magnitude % 10)
            magnitude /= 10
        }
        return end + digits
    }

    /// `value` as the bytes of `String(value)`.
    public static func bytes(_ value: Int64) -> [UInt8] {
        var bytes: [UInt8] = []
        bytes.reserveCapacity(maximumLength)
        append(value, to: &bytes)
        return bytes
    }
}
