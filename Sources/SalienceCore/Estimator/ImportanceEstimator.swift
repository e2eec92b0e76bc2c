import Foundation

/// The online importance estimator of one input partition.
///
/// Pure and deterministic: no clock, no unseeded randomness, no process-seeded
/// hashing. The same events in the same order under the same configuration
/// from the same state give byte-identical samples and state.
public struct ImportanceEstimator: Sendable {
    public let configuration: EstimatorConfiguration
    private let hasher: FeatureHasher
    /// Label and expert weight per behaviour type, by raw value (no hashing per event).
    private let labels: [Double]
    private let expertWeights: [Double]
    /// `log(classBalanceBeta)`, made once.
    private let logClassBalanceBeta: Double
    private var features = FeatureVector()
    private var state: EstimatorState
    /// The delayed-feedback label policy's state; `nil` under per-event labels.
    var joiner: FeedbackJoiner?
    /// The negative sampler; `nil` when no negatives are generated.
    var negativeSampler: NegativeSampler?
    /// The validation-aligned component's reservoir and gradient; `nil` when it is off.
    var alignment: ValidationAlignment?

    /// A fresh estimator.
    ///
    /// - Precondition: the configuration is valid (``EstimatorConfiguration/validationErrors()`` is empty).
    public init(configuration: EstimatorConfiguration) {
        let errors = configuration.validationErrors()
        precondition(errors.isEmpty, "invalid estimator configuration: \(errors.joined(separator: "; "))")
        self.configuration = configuration
        hasher = FeatureHasher(space: configuration.features)
        labels = BehaviorType.allCases.map { configuration.label(of: $0) }
        expertWeights = BehaviorType.allCases.map { configuration.useExpertWeights ? configuration.expertWeights[$0] ?? 1 : 1 }
        logClassBalanceBeta = PortableMath.log(configuration.classBalanceBeta)
        state = EstimatorState(configuration: configuration)
        if configuration.labels.policy != .perEvent {
            joiner = FeedbackJoiner(configuration: configuration.labels, features: configuration.features, ftrl: configuration.ftrl)
        }
        if configuration.negatives.isEnabled {
            negativeSampler = NegativeSampler(configuration: configuration.negatives)
        }
        if configuration.validationAlignment.enabled {
            alignment = ValidationAlignment(configuration: configuration.validationAlignment, halfLife: configuration.normalizerHalfLife)
        }
    }

    /// An estimator restored from ``encodedState()`` bytes.
    ///
    /// - Throws: ``StateDecodingError`` when the bytes are truncated, corrupted,
    ///   of another format version or of another configuration.
    public init(configuration: EstimatorConfiguration, restoring bytes: [UInt8]) throws {
        try self.init(configuration: configuration, restoring: bytes, changes: [])
    }

    /// An estimator restored from ``encodedState()`` bytes and the
    /// ``encodedChanges()`` written after them, in the order written: an
    /// incremental checkpoint's generation.
    ///
    /// - Throws: ``StateDecodingError`` as ``init(configuration:restoring:)``,
    ///   and when a full state stands where a change set should or the reverse.
    public init(configuration: EstimatorConfiguration, restoring full: [UInt8], changes: [[UInt8]]) throws {
        self.init(configuration: configuration)
        try apply(full, isChangeSet: false)
        for changeSet in changes { try apply(changeSet, isChangeSet: true) }
    }

    private static let fullStateKind: UInt8 = 0
    private static let changeSetKind: UInt8 = 1

    private mutating func apply(_ bytes: [UInt8], isChangeSet: Bool) throws {
        let payload = try StateEnvelope.open(bytes, expectedFingerprint: configuration.fingerprint)
        switch (payload.first, isChangeSet) {
        case (Self.fullStateKind, false), (Self.changeSetKind, true): break
        case (Self.fullStateKind, true): throw StateDecodingError(.malformed, "a full state stands where a change set should")
        case (Self.changeSetKind, false): throw StateDecodingError(.malformed, "a change set stands where a full state should")
        default: throw StateDecodingError(.malformed, "the state's kind byte is \(payload.first.map(String.init) ?? "missing")")
        }
        var reader = BinaryReader(payload, offset: 1, changesOnly: isChangeSet)
        let decoded = try EstimatorState(from: &reader)
        state = isChangeSet ? try state.overlaid(with: decoded) : decoded
        if let current = joiner {
            let decoded = try FeedbackJoiner(
                configuration: configuration.labels, features: configuration.features, ftrl: configuration.ftrl, from: &reader
            )
            joiner = isChangeSet ? try current.overlaid(with: decoded) : decoded
        }
        if negativeSampler != nil {
            negativeSampler = try NegativeSampler(configuration: configuration.negatives, from: &reader)
        }
        if alignment != nil {
            alignment = try ValidationAlignment(configuration: configuration.validationAlignment, from: &reader)
        }
        guard reader.remaining == 0 else {
            throw StateDecodingError(.malformed, "\(reader.remaining) bytes left after the estimator state")
        }
    }

    /// All state and the model as checkpoint bytes (see ``StateEnvelope``).
    public func encodedState() -> [UInt8] {
        encoded(kind: Self.fullStateKind)
    }

    /// What changed since ``clearChanges()`` as checkpoint bytes: the
    /// tables' slots written since then and all the rest of the state (small
    /// next to them). ``init(configuration:restoring:changes:)`` applies it
    /// to the state it followed.
    public func encodedChanges() -> [UInt8] {
        encoded(kind: Self.changeSetKind)
    }

    private func encoded(kind: UInt8) -> [UInt8] {
        var writer = BinaryWriter(capacity: kind == Self.fullStateKind ? memoryBytes : 4096, changesOnly: kind == Self.changeSetKind)
        writer.write(kind)
        state.encode(to: &writer)
        joiner?.encode(to: &writer)
        negativeSampler?.encode(to: &writer)
        alignment?.encode(to: &writer)
        return StateEnvelope.seal(writer.bytes, fingerprint: configuration.fingerprint)
    }

    /// Table slots (model coordinates, log-Q buckets, sketch cells) written
    /// since ``clearChanges()``: what the next ``encodedChanges()`` holds.
    public var changedSlots: Int {
        state.changedSlots + (joiner?.changedSlots ?? 0)
    }

    /// Marks the state as checkpointed: the next ``encodedChanges()`` holds
    /// only what is written after this.
    public mutating func clearChanges() {
        state.clearChanges()
        joiner?.clearChanges()
    }

    /// Bytes held by the model, the log-Q buckets and the sketches (the bulk
    /// of the state), growing with the slots they have written up to the
    /// configured sizes.
    public var memoryBytes: Int {
        state.model.memoryBytes + state.logQ.memoryBytes + state.itemFrequencies.memoryBytes
            + state.userFrequencies.memoryBytes + state.categoryFrequencies.memoryBytes
    }

    /// Events processed so far.
    public var eventsProcessed: Int64 { state.eventsProcessed }

    /// The largest event time seen, in milliseconds.
    public var maxEventTime: Int64? { state.maxEventTime }

    /// The largest event time seen minus the allowed lateness.
    public var watermark: Int64? {
        state.maxEventTime.map { $0 - configuration.allowedLateness.components.seconds * 1000 }
    }

    /// The online model's progressive quality.
    public var metrics: ProgressiveMetrics { state.metrics }

    /// The online model.
    public var model: FTRLProximal { state.model }

    /// The expected kept fraction of recent events: the decayed mean of the
    /// keep probabilities given (normaliser half-life), which the keep-rate
    /// controller holds at `sampling.target_rate`; 1 when sampling is off.
    public var achievedKeepRate: Double {
        configuration.samplingEnabled ? state.keepRate.achievedRate : 1
    }

    /// The decayed frequency of an item, read at the largest event time seen.
    public func itemFrequency(_ itemID: String) -> Double {
        state.itemFrequencies.estimate(itemKey(HashScheme.id(itemID)), at: readTime)
    }

    /// The decayed frequency of a user, read at the largest event time seen.
    public func userFrequency(_ userID: String) -> Double {
        state.userFrequencies.estimate(userKey(HashScheme.id(userID)), at: readTime)
    }

    /// The decayed frequency of a category, read at the largest event time seen.
    public func categoryFrequency(_ categoryID: String) -> Double {
        state.categoryFrequencies.estimate(categoryKey(HashScheme.id(categoryID)), at: readTime)
    }

    /// Updates every statistic and the model with the event and returns its
    /// weighted sample. The event id for sampling is the event's own, else
    /// `topic/partition/offset` of `source`, else derived from its content.
    public mutating func process(_ event: BehaviorEvent, source: SourcePosition? = nil) -> EstimatorResult {
        let configuration = self.configuration
        let time = Double(event.timestamp) / 1000
        let now = max(event.timestamp, state.maxEventTime ?? event.timestamp)
        let readTime = Double(now) / 1000
        state.maxEventTime = now
        state.eventsProcessed += 1
        let label = labels[Int(event.type.rawValue)]

        // Every table this event touches is far larger than the caches: hash
        // first and start all of its cache lines loading at once, rather
        // than waiting for each miss in turn.
        let itemKey = itemKey(event.idHashes.item)
        let userKey = userKey(event.idHashes.user)
        // Not `idHashes.category.map(categoryKey)`: that closure would copy the whole estimator.
        var categoryProbes: DecayedCountMinSketch.Probes?
        if let category = event.idHashes.category { categoryProbes = state.categoryFrequencies.probes(for: categoryKey(category)) }
        hasher.features(of: event, into: &features)
        let itemProbes = state.itemFrequencies.probes(for: itemKey)
        let userProbes = state.userFrequencies.probes(for: userKey)
        state.itemFrequencies.prefetch(itemProbes)
        state.userFrequencies.prefetch(userProbes)
        if let categoryProbes { state.categoryFrequencies.prefetch(categoryProbes) }
        state.logQ.prefetch(itemKey)
        state.model.prefetch(features)

        // Frequencies.
        // Statistics of one half-life compute their decay values once.
        var frequencyDecay = SharedDecay()
        var normalizerDecay = SharedDecay()
        let itemFrequency = state.itemFrequencies.add(itemProbes, at: time, readAt: readTime, sharing: &frequencyDecay)
        let userFrequency = state.userFrequencies.add(userProbes, at: time, readAt: readTime, sharing: &frequencyDecay)
        if let categoryProbes {
            state.categoryFrequencies.add(categoryProbes, at: time, readAt: readTime, sharing: &frequencyDecay)
        }
        state.itemFrequencyMean.add(itemFrequency, at: time, sharing: &normalizerDecay)
        state.userFrequencyMean.add(userFrequency, at: time, sharing: &normalizerDecay)
        state.classCounts[Int(label)].add(1, at: time)
        let logQ = state.logQ.observe(itemKey)

        // Online model: score before learning (it learns below, once the objective weight is known).
        let prediction = state.model.predict(features)
        let eventID = event.eventID.map(SampleEventID.init) ?? source.map(SampleEventID.init(position:))
            ?? SampleEventID(Self.contentID(of: event))
        // The validation-aligned component, and whether this event is held back for it.
        var validation: Double?
        var heldBack = false
        if alignment != nil {
            heldBack = alignment!.holdsBack(eventID, type: event.type)
            validation = alignment!.weight(features, prediction: prediction, label: label, at: time, model: state.model, sharing: &normalizerDecay)
            if heldBack { alignment!.hold(features, label: label) }
        }

        // Objective weight.
        let expert = expertWeights[Int(event.type.rawValue)]
        var classBalance = 1.0
        if configuration.useClassBalance {
            classBalance = Self.classBalance(
                positive: label > 0.5,
                negatives: state.classCounts[0].value(at: readTime),
                positives: state.classCounts[1].value(at: readTime),
                beta: configuration.classBalanceBeta, logBeta: logClassBalanceBeta
            )
        }
        let popularity = configuration.usePopularityDebiasing
            ? PortableMath.pow(itemFrequency / (state.itemFrequencyMean.mean ?? itemFrequency), -configuration.popularityExponent) : 1
        let userDamping = configuration.useUserDamping
            ? PortableMath.pow(userFrequency / (state.userFrequencyMean.mean ?? userFrequency), -configuration.userDampingExponent) : 1
        let objectiveRaw = expert * classBalance * popularity * userDamping * (validation ?? 1)
        state.objectiveMean.add(objectiveRaw, at: time, sharing: &normalizerDecay)
        let normalized = objectiveRaw / (state.objectiveMean.mean ?? objectiveRaw)
        let objective = min(max(normalized, configuration.objectiveRange.lowerBound), configuration.objectiveRange.upperBound)

        // Learn (once, or with the objective weight), unless held back for validation.
        let gradientNorm = abs(prediction - label) * features.norm
        state.gradientNormMean.add(gradientNorm, at: time, sharing: &normalizerDecay)
        let meanNorm = state.gradientNormMean.mean ?? 0
        let gradientScore = meanNorm > 0 ? gradientNorm / meanNorm : 1
        state.metrics.record(prediction: prediction, label: label, at: time)
        if !heldBack {
            state.model.update(
                features, prediction: prediction, label: label,
                importance: configuration.onlineModelWeight == .unit ? 1 : objective
            )
        }

        // Sampling weight: keep with probability p, weigh by 1/p.
        var keepProbability = 1.0
        if configuration.samplingEnabled {
            let mix = configuration.samplingUniformMix
            let score = mix == 0 ? gradientScore : (1 - mix) * gradientScore + mix
            keepProbability = state.keepRate.keepProbability(score: score, at: time, sharing: &normalizerDecay)
        }
        let kept = Self.keeps(eventID: eventID, probability: keepProbability, seed: configuration.samplingSeed)
        let samplingWeight = 1 / keepProbability

        let components = WeightComponents(
            expert: expert, classBalance: classBalance, popularity: popularity, userDamping: userDamping,
            objectiveRaw: objectiveRaw, objective: objective, gradientScore: gradientScore,
            keepProbability: keepProbability, samplingWeight: samplingWeight, validation: validation
        )
        let sample = WeightedSample(
            eventID: eventID, userID: event.userID, itemID: event.itemID, type: event.type, timestamp: event.timestamp,
            label: Int(label), weight: objective * samplingWeight, components: components, logQ: logQ,
            modelScore: prediction, source: source
        )
        return EstimatorResult(sample: sample, kept: kept)
    }

    /// Class balance by effective number (Cui et al., CVPR 2019): class `c`
    /// weighs `E_c = (1−β)/(1−β^n_c)` over decayed counts `n_c`, scaled so the
    /// count-weighted mean over classes is 1 (the weights redistribute, they do
    /// not inflate, whatever the counts have grown to).
    static func classBalance(positive: Bool, negatives: Double, positives: Double, beta: Double, logBeta: Double) -> Double {
        let effectiveNegative = (1 - beta) / -PortableMath.expm1(max(negatives, 1e-9) * logBeta)
        let effectivePositive = (1 - beta) / -PortableMath.expm1(max(positives, 1e-9) * logBeta)
        let total = negatives + positives
        let mean = (negatives * effectiveNegative + positives * effectivePositive) / total
        return (positive ? effectivePositive : effectiveNegative) / mean
    }

    /// The keep decision: `xxh64(utf8(eventID), seed)` as a uniform number in
    /// [0, 1) below `probability`. A hash, not a random draw, so replays agree.
    public static func keeps(eventID: String, probability: Double, seed: UInt64) -> Bool {
        keeps(eventID: SampleEventID(eventID), probability: probability, seed: seed)
    }

    /// ``keeps(eventID:probability:seed:)`` for an id as a sample keeps it.
    public static func keeps(eventID: SampleEventID, probability: Double, seed: UInt64) -> Bool {
        probability >= 1 || eventID.withUTF8 { XXHash64.hash($0, seed: seed) }.unitInterval < probability
    }

    private var readTime: Double { Double(state.maxEventTime ?? 0) / 1000 }

    /// Statistics keys from the ids' identity hashes (Schemas/README.md, "Hashing").
    private func itemKey(_ id: UInt64) -> UInt64 { HashScheme.mix(id, seed: configuration.statisticsSeed) }
    private func userKey(_ id: UInt64) -> UInt64 { HashScheme.mix(id, seed: configuration.statisticsSeed &+ 1) }
    private func categoryKey(_ id: UInt64) -> UInt64 { HashScheme.mix(id, seed: configuration.statisticsSeed &+ 2) }

    /// `user/item/type/timestamp`: the id of an event that has none and no source.
    static func contentID(of event: BehaviorEvent) -> String {
        "\(event.userID)/\(event.itemID)/\(event.type.name)/\(event.timestamp)"
    }
}

/// Everything the estimator learns, in checkpoint order.
struct EstimatorState: Sendable, Equatable, BinaryCodable {
    var eventsProcessed: Int64 = 0
    var maxEventTime: Int64?
    var itemFrequencies: DecayedCountMinSketch
    var userFrequencies: DecayedCountMinSketch
    var categoryFrequencies: DecayedCountMinSketch
    var itemFrequencyMean: DecayedMean
    var userFrequencyMean: DecayedMean
    var classCounts: [DecayedSum]
    var objectiveMean: DecayedMean
    var gradientNormMean: DecayedMean
    var keepRate: KeepRateController
    var logQ: LogQEstimator
    var model: FTRLProximal
    var metrics: ProgressiveMetrics

    init(configuration: EstimatorConfiguration) {
        let sketch = { (salt: UInt64) in
            DecayedCountMinSketch(
                epsilon: configuration.sketchEpsilon, delta: configuration.sketchDelta,
                halfLife: configuration.frequencyHalfLife, seed: configuration.statisticsSeed &+ salt
            )
        }
        itemFrequencies = sketch(0x17E)
        userFrequencies = sketch(0x05E)
        categoryFrequencies = sketch(0xCA7)
        itemFrequencyMean = DecayedMean(halfLife: configuration.normalizerHalfLife)
        userFrequencyMean = DecayedMean(halfLife: configuration.normalizerHalfLife)
        classCounts = [DecayedSum(halfLife: configuration.classHalfLife), DecayedSum(halfLife: configuration.classHalfLife)]
        objectiveMean = DecayedMean(halfLife: configuration.normalizerHalfLife)
        gradientNormMean = DecayedMean(halfLife: configuration.normalizerHalfLife)
        keepRate = KeepRateController(
            target: configuration.samplingTargetRate, minimum: configuration.minimumKeepProbability,
            halfLife: configuration.normalizerHalfLife
        )
        logQ = LogQEstimator(bucketBits: configuration.logQBucketBits, rate: configuration.logQRate, seed: configuration.statisticsSeed &+ 0x109)
        model = FTRLProximal(bits: configuration.features.bits, parameters: configuration.ftrl)
        metrics = ProgressiveMetrics(halfLife: configuration.metricsHalfLife)
    }

    func encode(to writer: inout BinaryWriter) {
        writer.write(eventsProcessed)
        writer.write(maxEventTime != nil)
        writer.write(maxEventTime ?? 0)
        writer.write(itemFrequencies)
        writer.write(userFrequencies)
        writer.write(categoryFrequencies)
        writer.write(itemFrequencyMean)
        writer.write(userFrequencyMean)
        writer.write(classCounts[0])
        writer.write(classCounts[1])
        writer.write(objectiveMean)
        writer.write(gradientNormMean)
        writer.write(keepRate)
        writer.write(logQ)
        writer.write(model)
        writer.write(metrics)
    }

    init(from reader: inout BinaryReader) throws {
        eventsProcessed = try reader.read(Int64.self)
        let hasTime = try reader.read(Bool.self)
        let time = try reader.read(Int64.self)
        maxEventTime = hasTime ? time : nil
        itemFrequencies = try reader.read(DecayedCountMinSketch.self)
        userFrequencies = try reader.read(DecayedCountMinSketch.self)
        categoryFrequencies = try reader.read(DecayedCountMinSketch.self)
        itemFrequencyMean = try reader.read(DecayedMean.self)
        userFrequencyMean = try reader.read(DecayedMean.self)
        classCounts = [try reader.read(DecayedSum.self), try reader.read(DecayedSum.self)]
        objectiveMean = try reader.read(DecayedMean.self)
        gradientNormMean = try reader.read(DecayedMean.self)
        keepRate = try reader.read(KeepRateController.self)
        logQ = try reader.read(LogQEstimator.self)
        model = try reader.read(FTRLProximal.self)
        metrics = try reader.read(ProgressiveMetrics.self)
    }
}

extension EstimatorState: IncrementalState {
    var changedSlots: Int {
        itemFrequencies.changedSlots + userFrequencies.changedSlots + categoryFrequencies.changedSlots
            + logQ.changedSlots + model.changedSlots
    }

    mutating func clearChanges() {
        itemFrequencies.clearChanges()
        userFrequencies.clearChanges()
        categoryFrequencies.clearChanges()
        logQ.clearChanges()
        model.clearChanges()
    }

    func overlaid(with changes: EstimatorState) throws -> EstimatorState {
        var result = changes
        result.itemFrequencies = try itemFrequencies.overlaid(with: changes.itemFrequencies)
        result.userFrequencies = try userFrequencies.overlaid(with: changes.userFrequencies)
        result.categoryFrequencies = try categoryFrequencies.overlaid(with: changes.categoryFrequencies)
        result.logQ = try logQ.overlaid(with: changes.logQ)
        result.model = try model.overlaid(with: changes.model)
        return result
    }
}
