import Foundation

/// Counts of what the label policy did with one event, for metrics.
public struct LabelOutcomes: Hashable, Sendable {
    /// Exposures labelled 1 by a conversion.
    public var converted = 0
    /// Exposures whose window closed without a conversion.
    public var expired = 0
    /// Exposures released early because `labels.max_pending` were waiting.
    public var releasedEarly = 0
    /// Exposures whose window had closed before they arrived.
    public var late = 0
    /// Conversions no pending exposure could take.
    public var unattributedConversions = 0

    public init() {}

    /// Adds the counts of `other`.
    public static func += (lhs: inout LabelOutcomes, rhs: LabelOutcomes) {
        lhs.converted += rhs.converted
        lhs.expired += rhs.expired
        lhs.releasedEarly += rhs.releasedEarly
        lhs.late += rhs.late
        lhs.unattributedConversions += rhs.unattributedConversions
    }
}

/// The delayed-feedback label policies (``LabelPolicy/attribution`` and
/// ``LabelPolicy/fakeNegative``) over one partition's events.
///
/// Rules, in event time with the estimator's watermark:
/// - an exposure at `t` is converted by a conversion of its (user, item) at
///   `c` with `t ≤ c ≤ t + window`; every pending exposure of the pair that
///   qualifies is converted (repeated views before a purchase are all positives);
/// - it is a negative once the watermark passes `t + window` (strictly);
/// - an exposure arriving with `t + window` already under the watermark is
///   late: labelled 0 at once;
/// - conversions match exposures already pending: a conversion that arrives
///   before its exposure (out of order) does not convert it;
/// - every label-1 sample is kept (keep probability 1, sampling weight 1: the
///   label is known when the keep decision is made, so Horvitz–Thompson stays
///   unbiased); label-0 samples follow the estimator's keep decision.
///
/// fake_negative weights (Ktena et al., "Addressing delayed feedback for
/// continuous training with neural networks in CTR prediction", RecSys 2019):
/// with `p` the conversion model's prediction at the exposure, the immediate
/// negative weighs `(1 − p)(1 + p)` and the positive duplicate `1 + p`, which
/// turns the fake-negative stream's expected loss into the true one.
struct FeedbackJoiner: Sendable {
    let configuration: LabelConfiguration
    private(set) var pending = PendingExposures()
    /// fake_negative only: predicts conversion from the exposure's features.
    private var conversionModel: FTRLProximal?
    private let hasher: FeatureHasher?
    private var features = FeatureVector()

    init(configuration: LabelConfiguration, features space: FeatureSpace, ftrl: FTRLProximal.Parameters) {
        self.configuration = configuration
        if configuration.policy == .fakeNegative {
            var conversionSpace = space
            conversionSpace.bits = configuration.conversionModelBits
            hasher = FeatureHasher(space: conversionSpace)
            conversionModel = FTRLProximal(bits: configuration.conversionModelBits, parameters: ftrl)
        } else {
            hasher = nil
            conversionModel = nil
        }
    }

    /// Labels `event` (whose estimator result is `result`) and releases the
    /// samples it and the watermark `watermark` decide, in order.
    mutating func handle(
        _ event: BehaviorEvent, result: EstimatorResult, watermark: Int64?,
        outcomes: inout LabelOutcomes, emit: (WeightedSample) -> Void
    ) {
        if configuration.exposureTypes.contains(event.type) {
            expose(event, result: result, watermark: watermark, outcomes: &outcomes, emit: emit)
        } else if configuration.conversionTypes.contains(event.type) {
            convert(event, result: result, outcomes: &outcomes, emit: emit)
        } else if result.kept {
            emit(result.sample)
        }
        while let exposure = pending.popEarliest(deadlineBefore: watermark) {
            outcomes.expired += 1
            resolveNegative(exposure, resolution: LabelResolution(), emit: emit)
        }
    }

    private mutating func expose(
        _ event: BehaviorEvent, result: EstimatorResult, watermark: Int64?,
        outcomes: inout LabelOutcomes, emit: (WeightedSample) -> Void
    ) {
        var conversionScore = 0.0
        if let hasher {
            hasher.features(of: event, into: &features)
            conversionScore = conversionModel!.predict(features)
        }
        let exposure = PendingExposure(
            sequence: 0, pair: Self.pair(of: event),
            deadline: event.timestamp + configuration.window.milliseconds,
            sample: result.sample, kept: result.kept, conversionScore: conversionScore,
            features: hasher == nil ? FeatureVector(capacity: 0) : features
        )
        if configuration.policy == .fakeNegative, result.kept {
            emit(Self.labelled(exposure.sample, label: 0, origin: .exposure,
                               resolution: LabelResolution(conversionScore: conversionScore),
                               delayedFeedback: (1 - conversionScore) * (1 + conversionScore)))
        }
        if let watermark, exposure.deadline < watermark {
            outcomes.late += 1
            resolveNegative(exposure, resolution: LabelResolution(late: true), emit: emit)
            return
        }
        pending.insert { sequence in
            var numbered = exposure
            numbered.sequence = sequence
            return numbered
        }
        if pending.count > configuration.maxPending, let oldest = pending.popEarliest(deadlineBefore: nil) {
            outcomes.releasedEarly += 1
            // Its label is a guess, so the conversion model does not learn from it.
            if configuration.policy == .attribution, oldest.kept {
                emit(Self.labelled(oldest.sample, label: 0, origin: .exposure, resolution: LabelResolution(early: true)))
            }
        }
    }

    private mutating func convert(
        _ event: BehaviorEvent, result: EstimatorResult, outcomes: inout LabelOutcomes, emit: (WeightedSample) -> Void
    ) {
        let time = event.timestamp
        let converted = pending.exposures(ofPair: Self.pair(of: event)).filter {
            $0.sample.timestamp <= time && time <= $0.deadline
        }
        for exposure in converted {
            pending.remove(exposure.sequence)
            outcomes.converted += 1
            learn(exposure, label: 1)
            switch configuration.policy {
            case .fakeNegative:
                let p = exposure.conversionScore
                emit(Self.labelled(exposure.sample, label: 1, origin: .convertedDuplicate,
                                   resolution: LabelResolution(conversionTimestamp: time, conversionScore: p),
                                   delayedFeedback: 1 + p, keepAll: true))
            case .attribution, .perEvent:
                emit(Self.labelled(exposure.sample, label: 1, origin: .exposure,
                                   resolution: LabelResolution(conversionTimestamp: time), keepAll: true))
            }
        }
        guard converted.isEmpty else { return }
        outcomes.unattributedConversions += 1
        if configuration.unattributedConversions == .emit {
            emit(Self.labelled(result.sample, label: 1, origin: .conversion, resolution: nil, keepAll: true))
        }
    }

    /// An exposure whose label is 0 for good.
    private mutating func resolveNegative(_ exposure: PendingExposure, resolution: LabelResolution, emit: (WeightedSample) -> Void) {
        learn(exposure, label: 0)
        if configuration.policy == .attribution, exposure.kept {
            emit(Self.labelled(exposure.sample, label: 0, origin: .exposure, resolution: resolution))
        }
    }

    /// fake_negative: the conversion model learns the resolved label.
    private mutating func learn(_ exposure: PendingExposure, label: Double) {
        guard conversionModel != nil else { return }
        let prediction = conversionModel!.predict(exposure.features)
        conversionModel!.update(exposure.features, prediction: prediction, label: label, importance: 1)
    }

    /// The sample with its label and weight; `keepAll` makes it kept with
    /// probability 1 (label-1 samples, see the type's rules).
    private static func labelled(
        _ sample: WeightedSample, label: Int, origin: SampleOrigin, resolution: LabelResolution?,
        delayedFeedback: Double = 1, keepAll: Bool = false
    ) -> WeightedSample {
        var sample = sample
        sample.label = label
        sample.origin = origin
        sample.resolution = resolution
        if keepAll {
            sample.components.keepProbability = 1
            sample.components.samplingWeight = 1
        }
        sample.components.delayedFeedback = delayedFeedback
        sample.weight = sample.components.product
        return sample
    }

    /// `mix(id(item), mix(id(user), 0x9A1E))`: the (user, item) key, from the
    /// ids' identity hashes. Collisions at 64 bits are negligible for the
    /// pending volumes allowed.
    static func pair(user: UInt64, item: UInt64) -> UInt64 {
        HashScheme.mix(item, seed: HashScheme.mix(user, seed: 0x9A1E))
    }

    /// The event's (user, item) key.
    static func pair(of event: BehaviorEvent) -> UInt64 {
        pair(user: event.idHashes.user, item: event.idHashes.item)
    }
}

extension FeedbackJoiner {
    func encode(to writer: inout BinaryWriter) {
        writer.write(pending)
        if let conversionModel { writer.write(conversionModel) }
    }

    /// A joiner restored from `reader`, under `configuration` (checked by the fingerprint).
    init(configuration: LabelConfiguration, features space: FeatureSpace, ftrl: FTRLProximal.Parameters, from reader: inout BinaryReader) throws {
        self.init(configuration: configuration, features: space, ftrl: ftrl)
        pending = try reader.read(PendingExposures.self)
        if let model = conversionModel {
            let restored = try reader.read(FTRLProximal.self)
            guard restored.dimension == model.dimension else {
                throw StateDecodingError(.malformed, "the conversion model has \(restored.dimension) weights, expected \(model.dimension)")
            }
            conversionModel = restored
        }
        let dimension = conversionModel?.dimension ?? 0
        guard pending.allSatisfy({ $0.features.indices.allSatisfy { $0 >= 0 && $0 < dimension } }) else {
            throw StateDecodingError(.malformed, "a pending exposure has a feature outside the conversion model")
        }
    }
}

extension FeedbackJoiner: IncrementalState {
    var changedSlots: Int { conversionModel?.changedSlots ?? 0 }

    mutating func clearChanges() { conversionModel?.clearChanges() }

    func overlaid(with changes: FeedbackJoiner) throws -> FeedbackJoiner {
        var result = changes
        if let model = conversionModel, let changed = changes.conversionModel { result.conversionModel = try model.overlaid(with: changed) }
        return result
    }
}
