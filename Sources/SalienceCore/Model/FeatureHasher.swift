/// Hashed features of one event: parallel indices and values, reused across
/// events so hashing allocates nothing in steady state.
public struct FeatureVector: Sendable {
    public private(set) var indices: [Int] = []
    public private(set) var values: [Double] = []

    public init(capacity: Int = 32) {
        indices.reserveCapacity(capacity)
        values.reserveCapacity(capacity)
    }

    /// A vector of these coordinates, as kept for a later update.
    init(indices: [Int], values: [Double]) {
        self.indices = indices
        self.values = values
    }

    public var count: Int { indices.count }

    /// `‖x‖₂`.
    public var norm: Double {
        var sum = 0.0
        for value in values { sum += value * value }
        return sum.squareRoot()
    }

    mutating func append(_ index: Int, _ value: Double) {
        indices.append(index)
        values.append(value)
    }

    mutating func removeAll() {
        indices.removeAll(keepingCapacity: true)
        values.removeAll(keepingCapacity: true)
    }
}

/// Turns events into hashed feature vectors, exactly as Schemas/README.md
/// ("Feature hashing") specifies, so a trainer can recompute them from raw
/// events. With `id(s) = xxh64(utf8(s), 0)` (the event's ``BehaviorEvent/idHashes``)
/// and `mix` = ``HashScheme/mix(_:seed:)``:
///
/// - `ns(name) = xxh64(utf8(name), seed)` for a field's or a cross's name (made once).
/// - a string field: `mix(id(value), ns(field))`; the behaviour type:
///   `mix(id(type name), ns("behavior"))`; an integer field (hour, weekday,
///   price_bucket): `mix(value, ns(field))`.
/// - a cross `a*b`: `mix(h_a · 0x9E3779B97F4A7C15 + h_b, ns("a*b"))` (wrapping).
/// - the bias: `xxh64(utf8("bias"), seed)`, value 1.
/// - context: a string value `v` of key `k`: `mix(id(v), mix(id(k), ns("ctx")))`,
///   value 1; a number `x`: `mix(id(k), ns("ctx#"))`, value `x`.
/// - index = hash mod `2^bits`; every other feature has value 1.
public struct FeatureHasher: Sendable {
    public let space: FeatureSpace
    private let mask: Int
    /// Configured fields with their namespace seeds.
    private let fieldPlan: [(field: FeatureField, seed: UInt64)]
    /// Configured crosses: both fields with their seeds, and the cross's seed.
    private let crossPlan: [(first: FeatureField, firstSeed: UInt64, second: FeatureField, secondSeed: UInt64, seed: UInt64)]
    private let contextSeed: UInt64
    private let contextNumberSeed: UInt64
    private let biasIndex: Int
    /// Hashes of the fields with few values, made once: by behaviour type's
    /// raw value, hour, weekday and price bucket (0...64, the buckets of
    /// prices below 2^64; larger ones are hashed when they occur).
    private let behaviorHashes: [UInt64]
    private let hourHashes: [UInt64]
    private let weekdayHashes: [UInt64]
    private let priceBucketHashes: [UInt64]

    public init(space: FeatureSpace) {
        precondition((8...28).contains(space.bits), "feature bits must lie in 8...28")
        self.space = space
        mask = (1 << space.bits) - 1
        let namespace = { (field: FeatureField) in XXHash64.hash(field.rawValue, seed: space.seed) }
        fieldPlan = space.fields.map { ($0, namespace($0)) }
        crossPlan = space.crosses.map { cross in
            (cross.first, namespace(cross.first), cross.second, namespace(cross.second), XXHash64.hash(cross.description, seed: space.seed))
        }
        contextSeed = XXHash64.hash("ctx", seed: space.seed)
        contextNumberSeed = XXHash64.hash("ctx#", seed: space.seed)
        biasIndex = Int(truncatingIfNeeded: XXHash64.hash("bias", seed: space.seed)) & mask
        behaviorHashes = BehaviorType.allCases.map { HashScheme.mix(HashScheme.id($0.name), seed: namespace(.behavior)) }
        let small = { (field: FeatureField, count: Int) in (0..<count).map { HashScheme.mix(UInt64($0), seed: namespace(field)) } }
        hourHashes = small(.hour, 24)
        weekdayHashes = small(.weekday, 7)
        priceBucketHashes = small(.priceBucket, 65)
    }

    /// Fills `vector` with the event's features.
    public func features(of event: BehaviorEvent, into vector: inout FeatureVector) {
        vector.removeAll()
        vector.append(biasIndex, 1)
        // Each field is hashed once per event: crosses reuse the fields' hashes.
        withUnsafeTemporaryAllocation(of: UInt64?.self, capacity: FeatureField.allCases.count) { known in
            known.initialize(repeating: nil)
            func hash(_ field: FeatureField, seed: UInt64) -> UInt64? {
                let slot = field.ordinal
                if let hash = known[slot] { return hash }
                let hash = fieldHash(field, of: event, seed: seed)
                known[slot] = hash
                return hash
            }
            for (field, seed) in fieldPlan {
                if let hash = hash(field, seed: seed) {
                    vector.append(index(hash), 1)
                }
            }
            for cross in crossPlan {
                guard let first = hash(cross.first, seed: cross.firstSeed),
                      let second = hash(cross.second, seed: cross.secondSeed)
                else { continue }
                vector.append(index(HashScheme.mix(first &* 0x9E37_79B9_7F4A_7C15 &+ second, seed: cross.seed)), 1)
            }
        }
        guard space.includeContext else { return }
        for entry in event.context {
            switch entry.value {
            case .string(let value):
                let keySeed = HashScheme.mix(HashScheme.id(entry.key), seed: contextSeed)
                vector.append(index(HashScheme.mix(HashScheme.id(value), seed: keySeed)), 1)
            case .number(let value):
                vector.append(index(HashScheme.mix(HashScheme.id(entry.key), seed: contextNumberSeed)), value)
            }
        }
    }

    /// The hash of one field of the event under its namespace seed, or `nil`
    /// when the event lacks the field.
    private func fieldHash(_ field: FeatureField, of event: BehaviorEvent, seed: UInt64) -> UInt64? {
        switch field {
        case .user: return HashScheme.mix(event.idHashes.user, seed: seed)
        case .item: return HashScheme.mix(event.idHashes.item, seed: seed)
        case .category: return event.idHashes.category.map { HashScheme.mix($0, seed: seed) }
        case .behavior: return behaviorHashes[Int(event.type.rawValue)]
        case .session: return event.idHashes.session.map { HashScheme.mix($0, seed: seed) }
        case .hour: return hourHashes[EventTime.hourOfDay(event.timestamp)]
        case .weekday: return weekdayHashes[EventTime.dayOfWeek(event.timestamp)]
        case .priceBucket:
            return event.price.map { price in
                let bucket = EventTime.priceBucket(price)
                return bucket < priceBucketHashes.count ? priceBucketHashes[bucket] : HashScheme.mix(UInt64(bucket), seed: seed)
            }
        }
    }

    @inline(__always)
    private func index(_ hash: UInt64) -> Int {
        Int(truncatingIfNeeded: hash) & mask
    }
}

extension FeatureField {
    /// Position among all fields, for per-event lookups without hashing.
    var ordinal: Int {
        switch self {
        case .user: 0
        case .item: 1
        case .category: 2
        case .behavior: 3
        case .hour: 4
        case .weekday: 5
        case .priceBucket: 6
        case .session: 7
        }
    }
}

/// Calendar fields of event time, in UTC, without Foundation.
public enum EventTime {
    /// 0–23.
    public static func hourOfDay(_ milliseconds: Int64) -> Int {
        Int(floorDivide(milliseconds, 3_600_000) % 24 + 24) % 24
    }

    /// 0 = Monday … 6 = Sunday (1970-01-01 was a Thursday).
    public static func dayOfWeek(_ milliseconds: Int64) -> Int {
        Int((floorDivide(milliseconds, 86_400_000) + 3) % 7 + 7) % 7
    }

    /// `floor(log2(1 + max(price, 0)))`, 0 for prices below 1.
    public static func priceBucket(_ price: Double) -> Int {
        let value = 1 + max(price, 0)
        guard value.isFinite else { return 64 }
        return max(0, Int(value.exponent))
    }

    private static func floorDivide(_ value: Int64, _ divisor: Int64) -> Int64 {
        let quotient = value / divisor
        return (value % divisor != 0 && value < 0) ? quotient - 1 : quotient
    }
}
