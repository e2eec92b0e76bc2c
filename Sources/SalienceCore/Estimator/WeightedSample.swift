/// Where an event came from: its input topic, partition and offset.
public struct SourcePosition: Hashable, Sendable {
    public var topic: String
    public var partition: Int32
    public var offset: Int64

    public init(topic: String, partition: Int32, offset: Int64) {
        self.topic = topic
        self.partition = partition
        self.offset = offset
    }

    /// The stable id of an event that carries none: `topic/partition/offset`.
    public var derivedEventID: String { SampleEventID(position: self).text }
}

/// The factors behind a sample's weight. Objective components change what
/// the trainer optimises; the sampling ones keep it unbiased. Disabled
/// components are 1.
public struct WeightComponents: Hashable, Sendable {
    /// Expert weight of the behaviour type.
    public var expert: Double
    /// Class balance `(1−β)/(1−β^n_c)` over the decayed count of the event's
    /// class, scaled so its count-weighted mean over classes is 1.
    public var classBalance: Double
    /// Popularity debiasing `(f_item / mean f)^(−α)`.
    public var popularity: Double
    /// Heavy-user damping `(f_user / mean f)^(−β_u)`.
    public var userDamping: Double
    /// The validation-aligned weight `max(0, ⟨∇ℓ_i, ∇ℓ_val⟩)` over its decayed
    /// mean (``ValidationAlignment``); `nil` when the component is off.
    public var validation: Double?
    /// The product of the four above (and the validation weight, when on), before normalisation.
    public var objectiveRaw: Double
    /// `objectiveRaw` over its decayed mean, clipped: the objective weight.
    public var objective: Double
    /// Gradient norm over its decayed mean.
    public var gradientScore: Double
    /// The probability that the event was kept.
    public var keepProbability: Double
    /// `1 / keepProbability` (Horvitz–Thompson).
    public var samplingWeight: Double
    /// The fake-negative correction (Ktena et al. 2019): `(1 − p)(1 + p)` on
    /// the immediate negative, `1 + p` on the converted duplicate; 1 otherwise.
    public var delayedFeedback: Double

    public init(
        expert: Double, classBalance: Double, popularity: Double, userDamping: Double,
        objectiveRaw: Double, objective: Double, gradientScore: Double,
        keepProbability: Double, samplingWeight: Double, delayedFeedback: Double = 1, validation: Double? = nil
    ) {
        self.validation = validation
        self.expert = expert
        self.classBalance = classBalance
        self.popularity = popularity
        self.userDamping = userDamping
        self.objectiveRaw = objectiveRaw
        self.objective = objective
        self.gradientScore = gradientScore
        self.keepProbability = keepProbability
        self.samplingWeight = samplingWeight
        self.delayedFeedback = delayedFeedback
    }

    /// `objective × samplingWeight × delayedFeedback`: the weight to train with.
    public var product: Double { objective * samplingWeight * delayedFeedback }
}

/// A training sample: the event, its label, its weight and every component of it
/// (Schemas/weighted-sample.schema.json, Schemas/weighted_sample.proto).
public struct WeightedSample: Hashable, Sendable {
    /// The event id as it is kept: a derived one as its parts.
    public var identity: SampleEventID
    /// The event id: the event's own, else `topic/partition/offset` of its
    /// input position, else derived from its content.
    public var eventID: String {
        get { identity.text }
        set { identity = SampleEventID(newValue) }
    }
    public var userID: String
    public var itemID: String
    public var type: BehaviorType
    /// Event time, milliseconds since the epoch.
    public var timestamp: Int64
    /// Under the per-event policy 1 for positive behaviour types, 0 otherwise;
    /// under the delayed-feedback policies whether the exposure converted.
    public var label: Int
    /// `objective × samplingWeight × delayedFeedback`: the weight to train with.
    public var weight: Double
    public var components: WeightComponents
    /// `log q` of the item (log-Q correction).
    public var logQ: Double
    /// The online model's prediction before it learned from this event.
    public var modelScore: Double
    /// The input position, when the event came from Kafka.
    public var source: SourcePosition?
    /// What made this sample. Default: `.event`.
    public var origin: SampleOrigin = .event
    /// How a delayed-feedback label was resolved; `nil` for per-event samples.
    public var resolution: LabelResolution?
    /// The draw of a generated negative; `nil` for every other sample.
    public var negative: NegativeDraw?

    public init(
        eventID: SampleEventID, userID: String, itemID: String, type: BehaviorType, timestamp: Int64,
        label: Int, weight: Double, components: WeightComponents, logQ: Double, modelScore: Double,
        source: SourcePosition?
    ) {
        self.identity = eventID
        self.userID = userID
        self.itemID = itemID
        self.type = type
        self.timestamp = timestamp
        self.label = label
        self.weight = weight
        self.components = components
        self.logQ = logQ
        self.modelScore = modelScore
        self.source = source
    }
}

/// What made a sample.
public enum SampleOrigin: String, Hashable, Sendable, CaseIterable {
    /// One event, labelled by its type (per-event policy, and types that are
    /// neither exposures nor conversions under the delayed-feedback policies).
    case event
    /// An exposure labelled by attribution, or fake_negative's immediate negative.
    case exposure
    /// A conversion no pending exposure took (label 1).
    case conversion
    /// fake_negative's positive duplicate of a converted exposure.
    case convertedDuplicate = "converted_duplicate"
    /// A negative drawn for a positive by the negative sampler.
    case sampledNegative = "sampled_negative"
}

/// How an exposure's label was decided.
public struct LabelResolution: Hashable, Sendable {
    /// Event time of the converting event; `nil` when it did not convert.
    public var conversionTimestamp: Int64?
    /// Emitted before its window closed because `labels.max_pending` exposures were waiting.
    public var early: Bool
    /// Its window had already closed under the watermark when it arrived.
    public var late: Bool
    /// The conversion model's `p` behind the fake-negative weight; `nil` under attribution.
    public var conversionScore: Double?

    public init(conversionTimestamp: Int64? = nil, early: Bool = false, late: Bool = false, conversionScore: Double? = nil) {
        self.conversionTimestamp = conversionTimestamp
        self.early = early
        self.late = late
        self.conversionScore = conversionScore
    }
}

/// A generated negative's draw.
public struct NegativeDraw: Hashable, Sendable {
    /// Which of the positive's negatives, from 0.
    public var index: Int
    /// The event id of the positive it was drawn for.
    public var positiveEventID: String
    /// `ln q(item)`: the probability the sampler drew this item with.
    public var logQ: Double

    public init(index: Int, positiveEventID: String, logQ: Double) {
        self.index = index
        self.positiveEventID = positiveEventID
        self.logQ = logQ
    }
}

/// What the estimator made of one event.
public struct EstimatorResult: Hashable, Sendable {
    /// The sample, weighted as if kept.
    public var sample: WeightedSample
    /// Whether sampling kept the event; only kept samples are emitted.
    public var kept: Bool
}
