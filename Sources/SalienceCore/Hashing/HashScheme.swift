/// Salience's hashing scheme (Schemas/README.md, "Hashing"): every id is
/// hashed once, when its event is decoded or built (``id(_:)``, XXH64 with
/// seed 0), and everything per event — feature indices, crosses, statistics
/// keys, sketch rows, log-Q buckets — is derived from those 64-bit hashes by
/// ``mix(_:seed:)``, a fixed-seed finaliser costing two multiplications.
public enum HashScheme {
    /// The scheme's name, written in model exports (`hash.function`).
    public static let name = "xxh64-id+mix64"

    /// The identity hash of an id: `xxh64(utf8(id), 0)`.
    @inline(__always)
    public static func id(_ id: String) -> UInt64 {
        XXHash64.hash(id, seed: 0)
    }

    /// The identity hash of an id's UTF-8 bytes: `xxh64(bytes, 0)`.
    @inline(__always)
    public static func id(utf8 bytes: UnsafeRawBufferPointer) -> UInt64 {
        XXHash64.hash(bytes, seed: 0)
    }

    /// `mix64((value ⊕ seed) + 0x9E3779B97F4A7C15)`, `mix64` the SplitMix64
    /// finaliser (Stafford's variant 13: `z ⊕= z ≫ 30; z ×= 0xBF58476D1CE4E5B9;
    /// z ⊕= z ≫ 27; z ×= 0x94D049BB133111EB; z ⊕= z ≫ 31`, all mod 2^64).
    /// A bijection of `value` for each seed, so it adds no collisions.
    @inline(__always)
    public static func mix(_ value: UInt64, seed: UInt64) -> UInt64 {
        var z = (value ^ seed) &+ 0x9E37_79B9_7F4A_7C15
        z = (z ^ (z >> 30)) &* 0xBF58_476D_1CE4_E5B9
        z = (z ^ (z >> 27)) &* 0x94D0_49BB_1331_11EB
        return z ^ (z >> 31)
    }
}
