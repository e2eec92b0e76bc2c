/// How events become labelled training samples.
public enum LabelPolicy: String, Sendable, Hashable, CaseIterable {
    /// Every event is a sample of its own, labelled by its type
    /// (``EstimatorConfiguration/positiveTypes``).
    case perEvent = "per_event"
    /// An exposure waits for a conversion of the same (user, item) within the
    /// window, and is emitted with label 1 at the conversion or label 0 once
    /// the watermark passes its time plus the window.
    case attribution
    /// An exposure is emitted at once with label 0; a conversion within the
    /// window emits a positive duplicate. Weights after Ktena et al. (2019).
    case fakeNegative = "fake_negative"
}

/// What happens to a conversion no pending exposure of its pair can take.
public enum UnattributedConversions: String, Sendable, Hashable, CaseIterable {
    /// Emitted as a sample of its own with label 1.
    case emit
    /// Not emitted (still counted, and still learned by the statistics).
    case drop
}

/// Settings of the label policy (delayed feedback), with documented defaults.
public struct LabelConfiguration: Hashable, Sendable {
    /// Default: `.perEvent`.
    public var policy: LabelPolicy
    /// Types that wait for a conversion. Default: view, click.
    public var exposureTypes: Set<BehaviorType>
    /// Types that convert a pending exposure of the same pair. Default: cart, purchase.
    public var conversionTypes: Set<BehaviorType>
    /// A conversion at `c` converts an exposure at `t` when `t ≤ c ≤ t + window`. Default: 1 hour.
    public var window: Duration
    /// The most exposures held at once; past it the one with the earliest
    /// deadline is emitted early (attribution: as a negative flagged `early`).
    /// Default: 100,000.
    public var maxPending: Int
    /// Default: `.emit`.
    public var unattributedConversions: UnattributedConversions
    /// The fake-negative weights use the prediction of a conversion model of
    /// `2^conversionModelBits` weights, learned from resolved exposures. Default: 18.
    public var conversionModelBits: Int

    public init() {
        policy = .perEvent
        exposureTypes = [.view, .click]
        conversionTypes = [.cart, .purchase]
        window = .seconds(3600)
        maxPending = 100_000
        unattributedConversions = .emit
        conversionModelBits = 18
    }

    func validationErrors() -> [String] {
        guard policy != .perEvent else { return [] }
        var errors: [String] = []
        if exposureTypes.isEmpty { errors.append("labels.exposure_types: expected at least one behaviour type") }
        if conversionTypes.isEmpty { errors.append("labels.conversion_types: expected at least one behaviour type") }
        let both = exposureTypes.intersection(conversionTypes)
        if !both.isEmpty {
            errors.append("labels.exposure_types and labels.conversion_types: a type cannot be both (\(both.sorted().map(\.name).joined(separator: ", ")))")
        }
        if window <= .zero { errors.append("labels.window: expected a positive duration") }
        if maxPending < 1 { errors.append("labels.max_pending: expected an integer ≥ 1, got \(maxPending)") }
        if !(8...26).contains(conversionModelBits) { errors.append("labels.conversion_model_bits: expected 8...26, got \(conversionModelBits)") }
        return errors
    }

    /// Called only for a policy other than per-event, so the default keeps older fingerprints.
    func fingerprint(into writer: inout BinaryWriter) {
        writer.write(policy.rawValue)
        for type in exposureTypes.sorted() { writer.write(type.rawValue) }
        writer.write(UInt8(0xFF))
        for type in conversionTypes.sorted() { writer.write(type.rawValue) }
        writer.write(UInt8(0xFF))
        writer.write(window.milliseconds)
        writer.write(maxPending)
        writer.write(unattributedConversions.rawValue)
        writer.write(conversionModelBits)
    }
}

/// Settings of negative generation (sample expansion), with documented defaults.
public struct NegativeSamplingConfiguration: Hashable, Sendable {
    /// Negatives drawn per emitted positive; 0 turns generation off. Default: 0.
    public var perPositive: Int
    /// Items are drawn with probability ∝ (decayed popularity)^power. Default: 0.75.
    public var popularityPower: Double
    /// The most candidate items tracked (the most popular survive). Default: 10,000.
    public var candidates: Int
    /// The alias table is rebuilt every this many events of the partition,
    /// a boundary in the stream (not in time), so replays agree. Default: 10,000.
    public var rebuildEveryEvents: Int
    /// Half-life of the item popularity. Default: 6 hours.
    public var popularityHalfLife: Duration
    /// Items the user interacted with this recently are not drawn (best effort). Default: 24 hours.
    public var exclusionWindow: Duration
    /// The most (user, item) interactions remembered for the exclusion. Default: 1,000,000.
    public var maxRecentInteractions: Int
    /// Seed of the draws `xxh64(positive event id, seed + index)`. Default: `0x4E_E6A7`.
    public var seed: UInt64

    public init() {
        perPositive = 0
        popularityPower = 0.75
        candidates = 10_000
        rebuildEveryEvents = 10_000
        popularityHalfLife = .seconds(6 * 3600)
        exclusionWindow = .seconds(24 * 3600)
        maxRecentInteractions = 1_000_000
        seed = 0x4E_E6A7
    }

    var isEnabled: Bool { perPositive > 0 }

    func validationErrors() -> [String] {
        var errors: [String] = []
        if !(0...100).contains(perPositive) { errors.append("negatives.per_positive: expected 0...100, got \(perPositive)") }
        guard isEnabled else { return errors }
        if !(popularityPower >= 0 && popularityPower <= 2) { errors.append("negatives.popularity_power: expected 0...2, got \(popularityPower)") }
        if candidates < 2 { errors.append("negatives.candidates: expected an integer ≥ 2, got \(candidates)") }
        if rebuildEveryEvents < 1 { errors.append("negatives.rebuild_every_events: expected an integer ≥ 1, got \(rebuildEveryEvents)") }
        if popularityHalfLife <= .zero { errors.append("negatives.popularity_half_life: expected a positive duration") }
        if exclusionWindow < .zero { errors.append("negatives.exclusion_window: expected a duration ≥ 0") }
        if maxRecentInteractions < 0 { errors.append("negatives.max_recent_interactions: expected an integer ≥ 0") }
        return errors
    }

    /// Called only when enabled, so the default keeps older fingerprints.
    func fingerprint(into writer: inout BinaryWriter) {
        writer.write(perPositive)
        writer.write(popularityPower)
        writer.write(candidates)
        writer.write(rebuildEveryEvents)
        writer.write(popularityHalfLife.components.seconds)
        writer.write(exclusionWindow.components.seconds)
        writer.write(maxRecentInteractions)
        writer.write(seed)
    }
}
