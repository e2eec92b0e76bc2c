/// Exact decimal-to-double conversion for the common short case, without
/// going through a `String` (Clinger's fast path, 1990): when the significant
/// digits fit in 2^53 and the power of ten is at most 22, one multiplication
/// or division of two exact doubles rounds correctly.
enum DecimalParsing {
    private static let powersOfTen: [Double] = (0...22).map { exponent in
        var value = 1.0
        for _ in 0..<exponent { value *= 10 }
        return value
    }

    /// The value of the JSON number in `bytes`, or `nil` when the fast path
    /// does not apply (the caller then uses `Double(String)`).
    static func fastDouble(_ bytes: UnsafeRawBufferPointer) -> Double? {
        var index = 0
        var negative = false
        if index < bytes.count, bytes[index] == UInt8(ascii: "-") {
            negative = true
            index += 1
        }
        var mantissa: UInt64 = 0
        var digits = 0
        var exponent = 0
        while index < bytes.count, let digit = digit(bytes[index]) {
            mantissa = mantissa &* 10 &+ UInt64(digit)
            digits += 1
            index += 1
        }
        if index < bytes.count, bytes[index] == UInt8(ascii: ".") {
            index += 1
            while index < bytes.count, let digit = digit(bytes[index]) {
                mantissa = mantissa &* 10 &+ UInt64(digit)
                digits += 1
                exponent -= 1
                index += 1
            }
        }
        guard index == bytes.count, digits <= 15, exponent >= -22 else { return nil }
        let value = Double(mantissa) / powersOfTen[-exponent]
        return negative ? -value : value
    }

    @inline(__always)
    private static func digit(_ byte: UInt8) -> UInt8? {
        byte >= 0x30 && byte <= 0x39 ? byte - 0x30 : nil
    }
}
