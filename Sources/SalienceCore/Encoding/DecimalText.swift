/// Integers as decimal ASCII, appended to byte buffers without making strings.
public enum DecimalText {
    /// Appends `value` as `String(value)` spells it.
    public static func append(_ value: Int64, to bytes: inout [UInt8]) {
        // 20 digits hold any Int64 magnitude; digits are written backwards.
        withUnsafeTemporaryAllocation(of: UInt8.self, capacity: 20) { digits in
            var magnitude = value.magnitude
            var start = digits.count
            repeat {
                start -= 1
                digits[start] = UInt8(ascii: "0") &+ UInt8(truncatingIfNeeded: magnitude % 10)
                magnitude /= 10
            } while magnitude != 0
            if value < 0 { bytes.append(UInt8(ascii: "-")) }
            bytes.append(contentsOf: UnsafeBufferPointer(rebasing: digits[start...]))
        }
    }

    /// `value` as the bytes of `String(value)`.
    public static func bytes(_ value: Int64) -> [UInt8] {
        var bytes: [UInt8] = []
        bytes.reserveCapacity(20)
        append(value, to: &bytes)
        return bytes
    }
}
