import SalienceCore
import SalienceTestSupport
import Testing

@Suite(.ownThreads) struct HashingTests {
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

    /// SplitMix64 from state 0 gives 0xE220A8397B1DCDAF, then 0x6E789E6AA1B965F4
    /// (Vigna's reference splitmix64.c): `mix(k·γ, 0)` is its k+1-th output.
    @Test func mixIsTheSplitMix64Finaliser() {
        #expect(HashScheme.mix(0, seed: 0) == 0xE220_A839_7B1D_CDAF)
        #expect(HashScheme.mix(0x9E37_79B9_7F4A_7C15, seed: 0) == 0x6E78_9E6A_A1B9_65F4)
        #expect(HashScheme.mix(5, seed: 3) == HashScheme.mix(6, seed: 0), "the seed enters by exclusive or")
    }

    @Test func identityHashIsXXH64WithSeedZero() {
        #expect(HashScheme.id("abc") == 0x44BC_2CF5_AD77_0999)
        let bytes = Array("abc".utf8)
        #expect(bytes.withUnsafeBytes { HashScheme.id(utf8: $0) } == HashScheme.id("abc"))
    }

    /// An event's stored hashes follow its ids, whichever way they are set.
    @Test func eventIDHashesFollowTheIDs() throws {
        var event = BehaviorEvent(userID: "u1", itemID: "i1", type: .click, timestamp: 0, categoryID: "c1")
        #expect(event.idHashes.user == HashScheme.id("u1"))
        #expect(event.idHashes.item == HashScheme.id("i1"))
        #expect(event.idHashes.category == HashScheme.id("c1"))
        #expect(event.idHashes.session == nil)
        event.userID = "u2"
        event.sessionID = "s"
        event.categoryID = nil
        #expect(event.idHashes.user == HashScheme.id("u2"))
        #expect(event.idHashes.session == HashScheme.id("s"))
        #expect(event.idHashes.category == nil)
        // Decoded into a reused event: escaped, integer and long ids alike.
        let decoder = EventDecoder()
        var reused = BehaviorEvent.placeholder
        for json in [
            #"{"user_id":"a\u00e9b","item_id":12345,"type":"view","ts":1511658000000,"category_id":"cat-0123456789abcdef"}"#,
            #"{"user_id":"user-0123456789abcdef","item_id":"i","type":"view","ts":1511658000000,"session_id":"s1"}"#,
        ] {
            try decoder.decode(Array(json.utf8), into: &reused)
            let fresh = BehaviorEvent(
                userID: reused.userID, itemID: reused.itemID, type: reused.type, timestamp: reused.timestamp,
                categoryID: reused.categoryID, sessionID: reused.sessionID
            )
            #expect(reused.idHashes == fresh.idHashes)
        }
        #expect(reused.userID == "user-0123456789abcdef")
        #expect(reused.idHashes.category == nil)
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
