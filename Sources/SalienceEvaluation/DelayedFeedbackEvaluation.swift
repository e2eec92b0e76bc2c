import Foundation
import SalienceCore

/// What the delayed-feedback label policies and negative generation do for
/// a trainer that predicts conversion: each variant's training samples come
/// from the estimator run over the training events, a ``DownstreamTrainer``
/// learns them, and the holdout's exposures, labelled by attribution within
/// the same window, grade it.
public struct DelayedFeedbackEvaluation: Sendable {
    /// One variant's result on the holdout exposures.
    public struct VariantResult: Sendable, Hashable {
        public var name: String
        /// Samples trained on, and how many were labelled 1.
        public var samples: Int
        public var positives: Int
        public var auc: Double?
        /// After prior correction to the training exposures' conversion rate.
        public var logLoss: Double
        /// Average precision with converted exposures as the positive class.
        public var conversionPRAUC: Double?
        public var calibrationError: Double
        /// Ranking AUC: over the holdout's converted exposures, the share of
        /// ``DelayedFeedbackEvaluation/rankingCandidates`` other training items
        /// that the model scores below the converted item for the same user and
        /// time — the question a retrieval-style trainer asks. Candidates drawn
        /// uniformly over the distinct items…
        public var rankingAUCUniform: Double?
        /// …and in proportion to their training events (popularity).
        public var rankingAUCPopular: Double?
    }

    /// The result.
    public struct Result: Sendable {
        /// Holdout exposures whose window closed inside the holdout, and how
        /// many converted; none when the holdout is shorter than the window.
        public var holdoutExposures: Int
        public var holdoutConversions: Int
        /// Training exposures labelled by attribution, and how many converted.
        public var trainingExposures: Int
        public var trainingConversions: Int
        public var negativesPerPositive: Int
        /// Empty when no holdout exposure had its whole window inside the holdout.
        public var variants: [VariantResult]
        /// Variants that cannot differ from another on this data, and why (empty when each can).
        public var warnings: [String] = []
    }

    /// The estimator's settings: its `labels` window, types and bound apply
    /// to every variant (the policy is set per variant); sampling is off.
    public let estimator: EstimatorConfiguration
    public let trainer: DownstreamTrainer.Parameters
    /// Negatives per positive of the `attribution+negatives` variant.
    public let negativesPerPositive: Int
    /// Items drawn per converted holdout exposure for the ranking AUC.
    public static let rankingCandidates = 20

    public init(estimator: EstimatorConfiguration, trainer: DownstreamTrainer.Parameters, negativesPerPositive: Int = 4) {
        var estimator = estimator
        estimator.samplingEnabled = false
        self.estimator = estimator
        self.trainer = trainer
        self.negativesPerPositive = negativesPerPositive
    }

    /// Trains the variants on `training` and grades them on `holdout` (both in time order).
    public func run(training: [BehaviorEvent], holdout: [BehaviorEvent]) -> Result {
        var attribution = estimator
        attribution.labels.policy = .attribution
        attribution.negatives.perPositive = 0
        let holdoutExposures = Self.observedExposures(holdout, attribution)
        let trainingExposures = Self.observedExposures(training, attribution)
        let populationPositives = trainingExposures.filter { $0.label == 1 }.count
        guard !holdoutExposures.isEmpty else {
            return Result(
                holdoutExposures: 0, holdoutConversions: 0, trainingExposures: trainingExposures.count,
                trainingConversions: populationPositives, negativesPerPositive: negativesPerPositive, variants: []
            )
        }

        var withNegatives = attribution
        withNegatives.negatives.perPositive = negativesPerPositive
        let attributed = Self.release(training, withNegatives).samples
        var fakeNegative = estimator
        fakeNegative.labels.policy = .fakeNegative
        fakeNegative.negatives.perPositive = 0
        let fake = Self.release(training, fakeNegative).samples

        // The item side of a generated negative, as a trainer's item table would give it.
        var items: [String: BehaviorEvent] = [:]
        for event in training { items[event.itemID] = event }
        func examples(_ samples: [WeightedSample], weight: (WeightedSample) -> Double = { _ in 1 }) -> [DownstreamTrainer.Example] {
            samples.map { .init(event: Self.event(of: $0, in: training, items: items), label: $0.label == 1, weight: weight($0)) }
        }
        let perEvent = training.map { DownstreamTrainer.Example(event: $0, label: estimator.label(of: $0.type) > 0.5, weight: 1) }
        let variants: [(String, [DownstreamTrainer.Example])] = [
            ("per_event", perEvent),
            ("attribution", examples(attributed.filter { $0.origin != .sampledNegative })),
            ("attribution+negatives", examples(attributed)),
            ("fake_negative (unweighted)", examples(fake)),
            ("fake_negative", examples(fake) { $0.components.delayedFeedback }),
        ]
        var warnings: [String] = []
        if negativesPerPositive > 0, !attributed.contains(where: { $0.origin == .sampledNegative }) {
            let rebuild = withNegatives.negatives.rebuildEveryEvents
            warnings.append(
                "attribution+negatives drew no negative, so it is the same as attribution: "
                    + (training.count < rebuild
                        ? "the \(training.count) training events are fewer than negatives.rebuild_every_events (\(rebuild)), so the sampler never had a catalogue to draw from; lower it (--set estimator.negatives.rebuild_every_events=N) or train on more events"
                        : "no training event was a positive that negatives are drawn for")
            )
        }
        let holdoutEvents = holdoutExposures.map { Self.event(of: $0, in: holdout, items: items) }
        let holdoutLabels = holdoutExposures.map { $0.label == 1 }
        let converted = zip(holdoutEvents, holdoutLabels).filter(\.1).map(\.0)
        let rankingQueries = [
            Self.rankingQueries(converted: converted, catalog: training, byPopularity: false),
            Self.rankingQueries(converted: converted, catalog: training, byPopularity: true),
        ]
        return Result(
            holdoutExposures: holdoutExposures.count, holdoutConversions: holdoutLabels.filter { $0 }.count,
            trainingExposures: trainingExposures.count, trainingConversions: populationPositives,
            negativesPerPositive: negativesPerPositive,
            variants: variants.map { name, examples in
                grade(name, examples, populationPositives: populationPositives, populationCount: trainingExposures.count,
                      holdout: holdoutEvents, labels: holdoutLabels, rankingQueries: rankingQueries)
            },
            warnings: warnings
        )
    }

    private func grade(
        _ name: String, _ examples: [DownstreamTrainer.Example], populationPositives: Int, populationCount: Int,
        holdout: [BehaviorEvent], labels: [Bool], rankingQueries: [[(converted: BehaviorEvent, candidates: [BehaviorEvent])]]
    ) -> VariantResult {
        var model = DownstreamTrainer(space: estimator.features, parameters: trainer)
        model.train(examples)
        let correction = PriorCorrection(examples: examples, populationPositives: populationPositives, populationCount: populationCount)
        let predictions = holdout.map { correction(model.predict($0)) }
        let rankingAUCs = rankingQueries.map { queries -> Double? in
            var below = 0.0
            var compared = 0
            for query in queries {
                let score = model.predict(query.converted)
                for candidate in query.candidates {
                    let other = model.predict(candidate)
                    below += other < score ? 1 : other == score ? 0.5 : 0
                    compared += 1
                }
            }
            return compared > 0 ? below / Double(compared) : nil
        }
        return VariantResult(
            name: name, samples: examples.count, positives: examples.filter(\.label).count,
            auc: ClassificationMetrics.auc(predictions, labels),
            logLoss: ClassificationMetrics.logLoss(predictions, labels),
            conversionPRAUC: ClassificationMetrics.averagePrecision(predictions, labels),
            calibrationError: ClassificationMetrics.expectedCalibrationError(predictions, labels),
            rankingAUCUniform: rankingAUCs[0], rankingAUCPopular: rankingAUCs[1]
        )
    }

    /// The exposures whose window closed under the final watermark, labelled
    /// by attribution. A converted exposure is released at its conversion
    /// and a negative only once its window closes, so exposures too close to
    /// the end are left out on both sides rather than only the negatives.
    static func observedExposures(_ events: [BehaviorEvent], _ configuration: EstimatorConfiguration) -> [WeightedSample] {
        let (samples, watermark) = release(events, configuration)
        guard let watermark else { return [] }
        let window = configuration.labels.window.milliseconds
        return samples.filter { $0.origin == .exposure && $0.timestamp + window < watermark }
    }

    /// For each converted exposure, ``rankingCandidates`` other items of the
    /// catalog's events, drawn by hash (so runs repeat) uniformly over the
    /// distinct items or, `byPopularity`, over the events; each with the
    /// category and price it last had there, for the same user and time.
    static func rankingQueries(
        converted: [BehaviorEvent], catalog: [BehaviorEvent], byPopularity: Bool
    ) -> [(converted: BehaviorEvent, candidates: [BehaviorEvent])] {
        var lastSeen: [String: BehaviorEvent] = [:]
        for event in catalog { lastSeen[event.itemID] = event }
        let pool = byPopularity ? catalog.map(\.itemID) : lastSeen.keys.sorted()
        guard lastSeen.count > 1 else { return [] }
        return converted.enumerated().map { index, event in
            var candidates: [BehaviorEvent] = []
            var attempt: UInt64 = 0
            while candidates.count < rankingCandidates {
                let item = pool[Int(XXHash64.hash(UInt64(index), seed: 0x7A4C &+ attempt) % UInt64(pool.count))]
                attempt += 1
                guard item != event.itemID else { continue }
                var candidate = event
                candidate.itemID = item
                candidate.categoryID = lastSeen[item]?.categoryID
                candidate.price = lastSeen[item]?.price
                candidates.append(candidate)
            }
            return (event, candidates)
        }
    }

    /// Every sample the estimator releases over `events`, one partition, event
    /// ids by position, and its watermark at the end.
    static func release(_ events: [BehaviorEvent], _ configuration: EstimatorConfiguration) -> (samples: [WeightedSample], watermark: Int64?) {
        var estimator = ImportanceEstimator(configuration: configuration)
        var samples: [WeightedSample] = []
        for (index, event) in events.enumerated() {
            _ = estimator.release(event, source: SourcePosition(topic: "evaluate", partition: 0, offset: Int64(index)), into: &samples)
        }
        return (samples, estimator.watermark)
    }

    /// The event a sample stands for: its source event, or for a generated
    /// negative the positive's event with the drawn item and that item's
    /// category and price from `items`.
    static func event(of sample: WeightedSample, in events: [BehaviorEvent], items: [String: BehaviorEvent]) -> BehaviorEvent {
        var event = events[Int(sample.source!.offset)]
        if sample.origin == .sampledNegative {
            event.itemID = sample.itemID
            event.categoryID = items[sample.itemID]?.categoryID
            event.price = items[sample.itemID]?.price
        }
        return event
    }
}
