import SalienceCore
import Testing

@Suite struct HashingTests {
    /// Reference values computed with the `xxhash` Python package (the C library).
    @Test(arguments: [
        ("", UInt64(0), UInt64(0xEF46_DB37_51D8_E999)),
        ("a", 0, 0xD24E_C4F1_A98C_6E5B),
        ("abc", 0, 0x44BC_2CF5_AD77_0999),
        ("hello world, this is a longer string over 32 bytes!!", 0, 0x3BA5_8710_53B9_5DAE),
        ("abc", 1, 0xBEA9_CA81_9932_8908),
        ("user:42", 0x5A11_E4CE, 0x8C99_A7D5_07F5_BA0E),
    ])
    func xxHash64MatchesTheReference(input: String, seed: UInt64, expected: UInt64) {
        #expect(XXHash64.hash(input, seed: seed) == expected)
    }

    @Test func integerHashEqualsTheHashOfItsLittleEndianBytes() {
        for value: UInt64 in [0, 1, 0xDEAD_BEEF, .max] {
            let bytes = withUnsafeBytes(of: value.littleEndian) { Array($0) }
            let viaBytes = bytes.withUnsafeBytes { XXHash64.hash($0, seed: 7) }
            #expect(XXHash64.hash(value, seed: 7) == viaBytes)
        }
    }

    @Test func crc32cMatchesTheReference() {
        #expect(CRC32C.checksum(Array("123456789".utf8)) == 0xE306_9283)
        #expect(CRC32C.checksum([UInt8]()) == 0)
    }

    @Test func unitIntervalIsInRange() {
        #expect(UInt64.max.unitInterval < 1)
        #expect(UInt64(0).unitInterval == 0)
    }
}
