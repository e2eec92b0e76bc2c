/// Every setting of the estimator, with documented defaults. Its
/// ``fingerprint`` goes into checkpoints so state is never restored under a
/// different configuration.
public struct EstimatorConfiguration: Hashable, Sendable {
    // MARK: Labels and objective weights

    /// Behaviour types labelled 1; all others are 0.
    /// Default: click, cart, fav, purchase.
    public var positiveTypes: Set<BehaviorType>

    /// Expert weight per behaviour type (types left out weigh 1).
    /// Default: impression 0.1, view 0.2, click 1, cart 2, fav 1.5, purchase 5.
    public var expertWeights: [BehaviorType: Double]

    /// Switches for the objective components. Default: all on.
    public var useExpertWeights: Bool
    public var useClassBalance: Bool
    public var usePopularityDebiasing: Bool
    public var useUserDamping: Bool

    /// β of the class-balance weight `(1−β)/(1−β^n_c)` (Cui et al., CVPR 2019).
    /// Default: 0.9999.
    public var classBalanceBeta: Double

    /// α of popularity debiasing `(f_item / mean f)^(−α)`. Default: 0.3.
    public var popularityExponent: Double

    /// β_u of heavy-user damping `(f_user / mean f)^(−β_u)`. Default: 0.3.
    public var userDampingExponent: Double

    /// The normalised objective weight is clipped to this range. Default: 0.05...20.
    public var objectiveRange: ClosedRange<Double>

    // MARK: Sampling

    /// Whether events are sampled; when off every event is kept with weight 1/p = 1.
    /// Default: `false`.
    public var samplingEnabled: Bool

    /// The expected kept fraction: `p_keep = min(1, max(minimumKeepProbability, c × score))`
    /// with `c` maintained in event time so that the decayed mean of `p_keep`
    /// is this rate (``KeepRateController``); 1 keeps every event. At least
    /// ``minimumKeepProbability``. Default: 0.25.
    public var samplingTargetRate: Double

    /// The least keep probability, bounding the sampling weight by its inverse.
    /// Default: 0.01.
    public var minimumKeepProbability: Double

    /// Share of uniform sampling mixed into the score the keep probability
    /// follows: `score' = (1 − mix)·score + mix` (scores average 1). 0 keeps
    /// by the gradient score alone. Default: 0.
    public var samplingUniformMix: Double

    /// Seed of the keep decision `xxh64(event id, seed) < p_keep`.
    /// Default: `0x5EED_5A11`.
    public var samplingSeed: UInt64

    // MARK: Statistics

    /// Half-life of item, user and category frequencies (nil: no decay). Default: 6 hours.
    public var frequencyHalfLife: Duration?
    /// Half-life of the decayed class counts. Default: 24 hours.
    public var classHalfLife: Duration?
    /// Half-life of the means that normalise scores and weights. Default: 1 hour.
    public var normalizerHalfLife: Duration?
    /// Half-life of the recent log-loss. Default: 1 hour.
    public var metricsHalfLife: Duration?

    /// Count-min sketch error ε (relative to the decayed total). Default: 1e-4.
    public var sketchEpsilon: Double
    /// Count-min sketch failure probability δ. Default: 0.01.
    public var sketchDelta: Double

    /// log-Q buckets are `2^logQBucketBits`. Default: 20.
    public var logQBucketBits: Int
    /// log-Q gap moving-average rate once warmed up, at least 1/65535 (a
    /// bucket counts up to 65,535 gaps). Default: 0.01.
    public var logQRate: Double

    /// Seed mixed into the ids' hashes for the sketches' and log-Q's keys. Default: `0x1D5_EED`.
    public var statisticsSeed: UInt64

    /// How late an event may be and still count as on time for the watermark.
    /// Default: 5 minutes.
    public var allowedLateness: Duration

    // MARK: Online model

    /// The model's features and their hashing. Default: ``FeatureSpace/init(fields:crosses:includeContext:bits:seed:)``.
    public var features: FeatureSpace
    /// FTRL-Proximal settings. Default: ``FTRLProximal/Parameters/init(alpha:beta:l1:l2:)``.
    public var ftrl: FTRLProximal.Parameters
    /// What each online-model update is scaled by. Default: `.unit`.
    public var onlineModelWeight: OnlineModelWeight

    // MARK: Samples

    /// How events become labelled samples (delayed feedback). Default: per event.
    public var labels: LabelConfiguration
    /// Negatives generated per positive. Default: none.
    public var negatives: NegativeSamplingConfiguration
    /// The validation-aligned objective component (Ren et al. 2018). Default: off.
    public var validationAlignment: ValidationAlignmentConfiguration

    /// What scales the online model's updates.
    public enum OnlineModelWeight: String, Sendable, Hashable, CaseIterable {
        /// Every event counts once: the model estimates the raw label, so its
        /// error `|p − y|` — the gradient score — measures how hard an event
        /// really is. (`salience evaluate` on the Taobao sample: the top 10 %
        /// by score match the top 10 % by hindsight loss at precision 0.99.)
        case unit
        /// Updates scaled by the objective weight (DESIGN.md's first choice):
        /// the model then learns the reweighted problem, over-predicts the
        /// up-weighted positives, and its error ranks easy negatives highest
        /// (precision 0.004 on the same sample, below the 0.1 of chance).
        case objective
    }

    public init() {
        positiveTypes = [.click, .cart, .fav, .purchase]
        expertWeights = [.impression: 0.1, .view: 0.2, .click: 1, .cart: 2, .fav: 1.5, .purchase: 5]
        useExpertWeights = true
        useClassBalance = true
        usePopularityDebiasing = true
        useUserDamping = true
        classBalanceBeta = 0.9999
        popularityExponent = 0.3
        userDampingExponent = 0.3
        objectiveRange = 0.05...20
        samplingEnabled = false
        samplingTargetRate = 0.25
        minimumKeepProbability = 0.01
        samplingUniformMix = 0
        samplingSeed = 0x5EED_5A11
        frequencyHalfLife = .seconds(6 * 3600)
        classHalfLife = .seconds(24 * 3600)
        normalizerHalfLife = .seconds(3600)
        metricsHalfLife = .seconds(3600)
        sketchEpsilon = 1e-4
        sketchDelta = 0.01
        logQBucketBits = 20
        logQRate = 0.01
        statisticsSeed = 0x1D5_EED
        allowedLateness = .seconds(300)
        features = FeatureSpace()
        ftrl = FTRLProximal.Parameters()
        onlineModelWeight = .unit
        labels = LabelConfiguration()
        negatives = NegativeSamplingConfiguration()
        validationAlignment = ValidationAlignmentConfiguration()
    }

    /// The label of an event of this type.
    public func label(of type: BehaviorType) -> Double {
        positiveTypes.contains(type) ? 1 : 0
    }

    /// The problems that make this configuration unusable, each naming the
    /// setting and the expected form; empty when it is valid.
    public func validationErrors() -> [String] {
        var errors: [String] = []
        func require(_ condition: Bool, _ message: String) { if !condition { errors.append(message) } }
        require(expertWeights.values.allSatisfy { $0 > 0 && $0.isFinite }, "expert_weights: every weight must be a finite number > 0")
        require(classBalanceBeta > 0 && classBalanceBeta < 1, "class_balance_beta: expected a number in (0, 1), got \(classBalanceBeta)")
        require(popularityExponent >= 0 && popularityExponent <= 2, "popularity_exponent: expected 0...2, got \(popularityExponent)")
        require(userDampingExponent >= 0 && userDampingExponent <= 2, "user_damping_exponent: expected 0...2, got \(userDampingExponent)")
        require(objectiveRange.lowerBound > 0 && objectiveRange.upperBound.isFinite, "objective_range: expected 0 < min ≤ max < ∞")
        require(samplingTargetRate > 0 && samplingTargetRate <= 1, "sampling_target_rate: expected (0, 1], got \(samplingTargetRate)")
        require(minimumKeepProbability > 0 && minimumKeepProbability <= 1, "minimum_keep_probability: expected (0, 1], got \(minimumKeepProbability)")
        require(samplingUniformMix >= 0 && samplingUniformMix <= 1, "sampling.uniform_mix: expected 0...1, got \(samplingUniformMix)")
        require(
            !samplingEnabled || minimumKeepProbability <= samplingTargetRate,
            "sampling.min_keep_probability (\(minimumKeepProbability)) exceeds sampling.target_rate (\(samplingTargetRate)): every event is kept with at least the minimum, so the rate cannot be met"
        )
        require(sketchEpsilon > 1e-7 && sketchEpsilon < 1, "sketch_epsilon: expected (1e-7, 1), got \(sketchEpsilon)")
        require(sketchDelta > 0 && sketchDelta < 1, "sketch_delta: expected (0, 1), got \(sketchDelta)")
        require((4...30).contains(logQBucketBits), "logq_bucket_bits: expected 4...30, got \(logQBucketBits)")
        require(
            logQRate >= 1 / Double(LogQEstimator.gapsSeenLimit) && logQRate <= 1,
            "logq_rate: expected [1/\(LogQEstimator.gapsSeenLimit), 1], got \(logQRate)"
        )
        require((8...28).contains(features.bits), "feature_bits: expected 8...28, got \(features.bits)")
        require(ftrl.alpha > 0 && ftrl.beta >= 0 && ftrl.l1 >= 0 && ftrl.l2 >= 0, "ftrl: expected alpha > 0 and beta, l1, l2 ≥ 0")
        for (name, halfLife) in [("frequency_half_life", frequencyHalfLife), ("class_half_life", classHalfLife),
                                 ("normalizer_half_life", normalizerHalfLife), ("metrics_half_life", metricsHalfLife)] {
            if let halfLife { require(halfLife > .zero, "\(name): expected a positive duration, got \(halfLife)") }
        }
        require(allowedLateness >= .zero, "allowed_lateness: expected a duration ≥ 0")
        return errors + labels.validationErrors() + negatives.validationErrors() + validationAlignment.validationErrors()
    }

    /// A fixed-seed hash of every setting, in a fixed order.
    public var fingerprint: UInt64 {
        var writer = BinaryWriter()
        for type in positiveTypes.sorted() { writer.write(type.rawValue) }
        writer.write(UInt8(0xFF))
        for type in BehaviorType.allCases { writer.write(expertWeights[type] ?? 1) }
        writer.write(useExpertWeights)
        writer.write(useClassBalance)
        writer.write(usePopularityDebiasing)
        writer.write(useUserDamping)
        writer.write(classBalanceBeta)
        writer.write(popularityExponent)
        writer.write(userDampingExponent)
        writer.write(objectiveRange.lowerBound)
        writer.write(objectiveRange.upperBound)
        writer.write(samplingEnabled)
        writer.write(samplingTargetRate)
        writer.write(minimumKeepProbability)
        writer.write(samplingSeed)
        for halfLife in [frequencyHalfLife, classHalfLife, normalizerHalfLife, metricsHalfLife] {
            writer.write(halfLife.map { $0.components.seconds } ?? -1)
            writer.write(halfLife.map { $0.components.attoseconds } ?? -1)
        }
        writer.write(sketchEpsilon)
        writer.write(sketchDelta)
        writer.write(logQBucketBits)
        writer.write(logQRate)
        writer.write(statisticsSeed)
        writer.write(allowedLateness.components.seconds)
        writer.write(allowedLateness.components.attoseconds)
        for field in features.fields { writer.write(field.rawValue) }
        writer.write(UInt8(0xFF))
        for cross in features.crosses { writer.write(cross.description) }
        writer.write(features.includeContext)
        writer.write(features.bits)
        writer.write(features.seed)
        writer.write(ftrl.alpha)
        writer.write(ftrl.beta)
        writer.write(ftrl.l1)
        writer.write(ftrl.l2)
        writer.write(onlineModelWeight == .unit ? UInt8(0) : UInt8(1))
        // Written only when not the default, so checkpoints of per-event runs stay valid.
        if labels.policy != .perEvent {
            writer.write(UInt8(0xA7))
            labels.fingerprint(into: &writer)
        }
        if negatives.isEnabled {
            writer.write(UInt8(0x4E))
            negatives.fingerprint(into: &writer)
        }
        if samplingUniformMix != 0 {
            writer.write(UInt8(0x55))
            writer.write(samplingUniformMix)
        }
        if validationAlignment.enabled {
            writer.write(UInt8(0x5A))
            validationAlignment.fingerprint(into: &writer)
        }
        return writer.bytes.withUnsafeBytes { XXHash64.hash($0, seed: 0) }
    }
}
