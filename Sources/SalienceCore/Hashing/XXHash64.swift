/// xxHash64 (Yann Collet's XXH64), the one hash behind every decision Salience
/// makes: feature hashing, sketch rows, log-Q buckets, sampling.
///
/// Unlike Swift's `Hasher`, it is the same in every process and on every
/// machine, so replays decide identically and trainers can recompute features.
/// Reference values: `XXHash64.hash("", seed: 0) == 0xEF46DB3751D8E999`,
/// `XXHash64.hash("abc", seed: 0) == 0x44BC2CF5AD770999`.
public enum XXHash64 {
    private static let prime1: UInt64 = 0x9E37_79B1_85EB_CA87
    private static let prime2: UInt64 = 0xC2B2_AE3D_27D4_EB4F
    private static let prime3: UInt64 = 0x1656_67B1_9E37_79F9
    private static let prime4: UInt64 = 0x85EB_CA77_C2B2_AE63
    private static let prime5: UInt64 = 0x27D4_EB2F_1656_67C5

    /// The hash of raw bytes.
    public static func hash(_ bytes: UnsafeRawBufferPointer, seed: UInt64) -> UInt64 {
        hashBytes(bytes, seed: seed)
    }

    /// The hash of a string's UTF-8 bytes.
    public static func hash(_ string: String, seed: UInt64) -> UInt64 {
        var string = string
        return string.withUTF8 { hashBytes(UnsafeRawBufferPointer($0), seed: seed) }
    }

    /// The hash of the 8 little-endian bytes of `value`.
    public static func hash(_ value: UInt64, seed: UInt64) -> UInt64 {
        var accumulator = seed &+ prime5 &+ 8
        accumulator ^= round(0, value.littleEndian)
        accumulator = rotate(accumulator, 27) &* prime1 &+ prime4
        return avalanche(accumulator)
    }

    static func hashBytes(_ bytes: UnsafeRawBufferPointer, seed: UInt64) -> UInt64 {
        let count = bytes.count
        var index = 0
        var accumulator: UInt64
        if count >= 32 {
            var v1 = seed &+ prime1 &+ prime2
            var v2 = seed &+ prime2
            var v3 = seed
            var v4 = seed &- prime1
            while index + 32 <= count {
                v1 = round(v1, load64(bytes, index))
                v2 = round(v2, load64(bytes, index + 8))
                v3 = round(v3, load64(bytes, index + 16))
                v4 = round(v4, load64(bytes, index + 24))
                index += 32
            }
            accumulator = rotate(v1, 1) &+ rotate(v2, 7) &+ rotate(v3, 12) &+ rotate(v4, 18)
            accumulator = mergeRound(accumulator, v1)
            accumulator = mergeRound(accumulator, v2)
            accumulator = mergeRound(accumulator, v3)
            accumulator = mergeRound(accumulator, v4)
        } else {
            accumulator = seed &+ prime5
        }
        accumulator &+= UInt64(count)
        while index + 8 <= count {
            accumulator ^= round(0, load64(bytes, index))
            accumulator = rotate(accumulator, 27) &* prime1 &+ prime4
            index += 8
        }
        if index + 4 <= count {
            accumulator ^= UInt64(load32(bytes, index)) &* prime1
            accumulator = rotate(accumulator, 23) &* prime2 &+ prime3
            index += 4
        }
        while index < count {
            accumulator ^= UInt64(bytes[index]) &* prime5
            accumulator = rotate(accumulator, 11) &* prime1
            index += 1
        }
        return avalanche(accumulator)
    }

    @inline(__always)
    static func round(_ accumulator: UInt64, _ lane: UInt64) -> UInt64 {
        rotate(accumulator &+ lane &* prime2, 31) &* prime1
    }

    @inline(__always)
    private static func mergeRound(_ accumulator: UInt64, _ value: UInt64) -> UInt64 {
        (accumulator ^ round(0, value)) &* prime1 &+ prime4
    }

    @inline(__always)
    static func rotate(_ value: UInt64, _ bits: UInt64) -> UInt64 {
        (value << bits) | (value >> (64 - bits))
    }

    @inline(__always)
    static func avalanche(_ value: UInt64) -> UInt64 {
        var hash = value
        hash ^= hash >> 33
        hash &*= prime2
        hash ^= hash >> 29
        hash &*= prime3
        hash ^= hash >> 32
        return hash
    }

    @inline(__always)
    private static func load64(_ bytes: UnsafeRawBufferPointer, _ offset: Int) -> UInt64 {
        UInt64(littleEndian: bytes.loadUnaligned(fromByteOffset: offset, as: UInt64.self))
    }

    @inline(__always)
    private static func load32(_ bytes: UnsafeRawBufferPointer, _ offset: Int) -> UInt32 {
        UInt32(littleEndian: bytes.loadUnaligned(fromByteOffset: offset, as: UInt32.self))
    }
}

extension UInt64 {
    /// A uniform value in [0, 1) from the hash's top 53 bits.
    public var unitInterval: Double {
        Double(self >> 11) * 0x1.0p-53
    }
}
