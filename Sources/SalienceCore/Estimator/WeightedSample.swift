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
    public var derivedEventID: String { "\(topic)/\(partition)/\(offset)" }
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
    /// The product of the four above, before normalisation.
    public var objectiveRaw: Double
    /// `objectiveRaw` over its decayed mean, clipped: the objective weight.
    public var objective: Double
    /// Gradient norm over its decayed mean.
    public var gradientScore: Double
    /// The probability that the event was kept.
    public var keepProbability: Double
    /// `1 / keepProbability` (Horvitz–Thompson).
    public var samplingWeight: Double

    public init(
        expert: Double, classBalance: Double, popularity: Double, userDamping: Double,
        objectiveRaw: Double, objective: Double, gradientScore: Double,
        keepProbability: Double, samplingWeight: Double
    ) {
        self.expert = expert
        self.classBalance = classBalance
        self.popularity = popularity
        self.userDamping = userDamping
        self.objectiveRaw = objectiveRaw
        self.objective = objective
        self.gradientScore = gradientScore
        self.keepProbability = keepProbability
        self.samplingWeight = samplingWeight
    }
}

/// A training sample: the event, its label, its weight and every component of it
/// (Schemas/weighted-sample.schema.json, Schemas/weighted_sample.proto).
public struct WeightedSample: Hashable, Sendable {
    public var eventID: String
    public var userID: String
    public var itemID: String
    public var type: BehaviorType
    /// Event time, milliseconds since the epoch.
    public var timestamp: Int64
    /// 1 for positive behaviour types, 0 otherwise.
    public var label: Int
    /// `objective × samplingWeight`: the weight to train with.
    public var weight: Double
    public var components: WeightComponents
    /// `log q` of the item (log-Q correction).
    public var logQ: Double
    /// The online model's prediction before it learned from this event.
    public var modelScore: Double
    /// The input position, when the event came from Kafka.
    public var source: SourcePosition?

    public init(
        eventID: String, userID: String, itemID: String, type: BehaviorType, timestamp: Int64,
        label: Int, weight: Double, components: WeightComponents, logQ: Double, modelScore: Double,
        source: SourcePosition?
    ) {
        self.eventID = eventID
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

/// What the estimator made of one event.
public struct EstimatorResult: Hashable, Sendable {
    /// The sample, weighted as if kept.
    public var sample: WeightedSample
    /// Whether sampling kept the event; only kept samples are emitted.
    public var kept: Bool
}
