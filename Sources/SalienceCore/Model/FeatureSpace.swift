/// An event field the online model hashes into a feature.
public enum FeatureField: String, CaseIterable, Sendable, Hashable, Codable {
    case user
    case item
    case category
    /// The behaviour type. Under per-event labels derived from the type it
    /// gives the label away, so the default feature set leaves it out.
    case behavior
    /// UTC hour of day, 0–23.
    case hour
    /// Day of week, 0 = Monday … 6 = Sunday (UTC).
    case weekday
    /// `floor(log2(1 + price))`; absent without a price.
    case priceBucket = "price_bucket"
    case session
}

/// A cross of two fields: one feature per pair of values.
public struct FeatureCross: Hashable, Sendable, Codable, CustomStringConvertible {
    public var first: FeatureField
    public var second: FeatureField

    public init(_ first: FeatureField, _ second: FeatureField) {
        self.first = first
        self.second = second
    }

    /// `first*second`, the name hashed into the cross's seed.
    public var description: String { "\(first.rawValue)*\(second.rawValue)" }
}

/// Which features the online model sees and how they are hashed.
public struct FeatureSpace: Hashable, Sendable {
    /// Hashed fields. Default: user, item, category, hour, weekday, price_bucket.
    public var fields: [FeatureField]
    /// Crosses. Default: user×category, item×hour.
    public var crosses: [FeatureCross]
    /// Whether the keys of `context` become features. Default: `true`.
    public var includeContext: Bool
    /// The model has `2^bits` weights. Default: 20.
    public var bits: Int
    /// Seed of every feature namespace (Schemas/README.md, "Hashing"). Default: `0x5A11_E4CE`.
    public var seed: UInt64

    public init(
        fields: [FeatureField] = [.user, .item, .category, .hour, .weekday, .priceBucket],
        crosses: [FeatureCross] = [FeatureCross(.user, .category), FeatureCross(.item, .hour)],
        includeContext: Bool = true,
        bits: Int = 20,
        seed: UInt64 = 0x5A11_E4CE
    ) {
        self.fields = fields
        self.crosses = crosses
        self.includeContext = includeContext
        self.bits = bits
        self.seed = seed
    }
}
