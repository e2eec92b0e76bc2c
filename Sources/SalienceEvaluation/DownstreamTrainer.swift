import SalienceCore

/// The trainer `salience evaluate` grades samples with: logistic regression
/// over the estimator's hashed features, trained in passes over weighted
/// examples in their given order (FTRL-Proximal steps scaled by the weight).
/// It is a model of its own, separate from the estimator's online model, so
/// the estimator does not grade itself.
public struct DownstreamTrainer: Sendable {
    /// How it trains. Default: 3 passes, α 0.1, β 1, L1 0, L2 1, 2^20 weights.
    public struct Parameters: Sendable, Hashable {
        public var passes: Int
        public var ftrl: FTRLProximal.Parameters
        public var bits: Int

        public init(passes: Int = 3, ftrl: FTRLProximal.Parameters = .init(alpha: 0.1, beta: 1, l1: 0, l2: 1), bits: Int = 20) {
            self.passes = passes
            self.ftrl = ftrl
            self.bits = bits
        }
    }

    /// One weighted example.
    public struct Example: Sendable {
        public var event: BehaviorEvent
        public var label: Bool
        public var weight: Double

        public init(event: BehaviorEvent, label: Bool, weight: Double) {
            self.event = event
            self.label = label
            self.weight = weight
        }
    }

    private var model: FTRLProximal
    private let hasher: FeatureHasher
    private var features = FeatureVector()
    public let parameters: Parameters

    /// A trainer over `space`'s features (its own `bits`).
    public init(space: FeatureSpace, parameters: Parameters = Parameters()) {
        var space = space
        space.bits = parameters.bits
        hasher = FeatureHasher(space: space)
        model = FTRLProximal(bits: parameters.bits, parameters: parameters.ftrl)
        self.parameters = parameters
    }

    /// Trains `passes` times over `examples`, in order.
    public mutating func train(_ examples: [Example]) {
        for _ in 0..<parameters.passes {
            for example in examples where example.weight > 0 {
                hasher.features(of: example.event, into: &features)
                step(features, label: example.label, weight: example.weight)
            }
        }
    }

    /// One weighted step on an example's features, hashed by a hasher of
    /// this trainer's space and bits (so trainers of one space can share it).
    public mutating func step(_ features: FeatureVector, label: Bool, weight: Double) {
        let prediction = model.predict(features)
        model.update(features, prediction: prediction, label: label ? 1 : 0, importance: weight)
    }

    /// The predicted probability of a positive label.
    public mutating func predict(_ event: BehaviorEvent) -> Double {
        hasher.features(of: event, into: &features)
        return model.predict(features)
    }
}
