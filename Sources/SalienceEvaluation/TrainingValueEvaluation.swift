import Foundation
import SalienceCore

/// What `salience evaluate` measures: the estimator runs over the training
/// events exactly as one pipeline partition would, a ``DownstreamTrainer``
/// learns from what each variant emits, and the holdout grades it.
public struct TrainingValueEvaluation: Sendable {
    /// How to evaluate.
    public struct Configuration: Sendable {
        /// The estimator's settings (sampling is switched per variant).
        public var estimator: EstimatorConfiguration
        /// Sampling budgets, fractions of the training events in (0, 1]. Default: 0.1, 0.25, 0.5, 1.
        public var budgets: [Double]
        /// The top fraction compared in important-sample identification. Default: 0.1.
        public var topFraction: Double
        /// The downstream trainer. Default: ``DownstreamTrainer/Parameters/init(passes:ftrl:bits:)``.
        public var trainer: DownstreamTrainer.Parameters
        /// Seed of the uniform keep decision. Default: `0x0_5A3D_1E`.
        public var uniformSeed: UInt64
        /// The bootstrap of every metric's interval. Default: 1,000 resamples of holdout users.
        public var bootstrap: HoldoutBootstrap.Configuration

        public init(
            estimator: EstimatorConfiguration = EstimatorConfiguration(),
            budgets: [Double] = [0.1, 0.25, 0.5, 1],
            topFraction: Double = 0.1,
            trainer: DownstreamTrainer.Parameters = DownstreamTrainer.Parameters(),
            uniformSeed: UInt64 = 0x05A3D1E,
            bootstrap: HoldoutBootstrap.Configuration = HoldoutBootstrap.Configuration()
        ) {
            self.estimator = estimator
            self.budgets = budgets
            self.topFraction = topFraction
            self.trainer = trainer
            self.uniformSeed = uniformSeed
            self.bootstrap = bootstrap
        }
    }

    /// How a variant chooses and weighs its training samples.
    public enum Strategy: String, Sendable, CaseIterable {
        /// Every event, weight 1.
        case unweighted
        /// Keep each event with the same probability, weight 1/p.
        case uniform
        /// Keep with the estimator's gradient-score probability, weight 1/p.
        case importance
        /// Every event, weight = the class-balance component alone.
        case classBalance = "class_balance"
        /// Every event, weight = the objective weight (expert × class balance × popularity × user damping, normalised).
        case objective
        /// Every event, weight = the validation-aligned component alone (Ren et al. 2018; `estimator.validation_alignment`).
        case validation
        /// Importance-sampled, weight = objective × 1/p.
        case objectiveImportance = "objective_importance"
        /// Not trained: the true probability of a positive label, known for a
        /// generated stream (the best any variant can rank).
        case bayesOptimal = "bayes_optimal"
    }

    /// Training events visited in time order, as often as needed, without
    /// being held: an array, or a generator run again from its seed.
    public struct TrainingStream: Sendable {
        /// Calls `body` with every training event, in order.
        public let visit: @Sendable (_ body: (BehaviorEvent) -> Void) -> Void

        public init(visit: @escaping @Sendable (_ body: (BehaviorEvent) -> Void) -> Void) {
            self.visit = visit
        }

        /// The events of an array.
        public init(_ events: [BehaviorEvent]) {
            visit = { body in for event in events { body(event) } }
        }
    }

    /// A metric graded on the holdout.
    public enum Metric: String, Sendable, CaseIterable {
        case auc
        case logLoss = "log_loss"
        case purchasePRAUC = "purchase_pr_auc"
        case calibrationError = "calibration_error"

        /// Whether a larger value is better.
        public var higherIsBetter: Bool { self == .auc || self == .purchasePRAUC }
    }

    /// One variant's result on the holdout.
    public struct VariantResult: Sendable {
        public var strategy: Strategy
        /// The budget asked for; `nil` for variants that keep every event.
        public var budget: Double?
        /// Samples trained on.
        public var samples: Int
        public var auc: Double?
        /// After prior correction.
        public var logLoss: Double
        /// Average precision with purchases as the positive class.
        public var purchasePRAUC: Double?
        /// Expected calibration error (10 bins), after prior correction.
        public var calibrationError: Double
        /// The prior correction applied (1: none).
        public var oddsRatio: Double
        /// Each metric's bootstrap interval.
        public var intervals: [Metric: ConfidenceInterval] = [:]
        /// Each metric's paired bootstrap interval of this variant minus the
        /// unweighted baseline (empty for the baseline).
        public var differenceFromBaseline: [Metric: ConfidenceInterval] = [:]

        /// The metric's value.
        public func value(_ metric: Metric) -> Double? {
            switch metric {
            case .auc: auc
            case .logLoss: logLoss
            case .purchasePRAUC: purchasePRAUC
            case .calibrationError: calibrationError
            }
        }

        /// `strategy@budget`, e.g. `importance@0.25`.
        public var name: String { budget.map { "\(strategy.rawValue)@\($0)" } ?? strategy.rawValue }
    }

    /// Precision, recall and F1 of the top fraction by online gradient score
    /// against the top fraction by loss under a hindsight model.
    public struct Identification: Sendable {
        public var topFraction: Double
        /// Events in each top set.
        public var selected: Int
        public var precision: Double
        public var recall: Double
        public var f1: Double
    }

    /// The whole result.
    public struct Result: Sendable {
        public var trainingEvents: Int
        public var holdoutEvents: Int
        public var holdoutPositives: Int
        public var holdoutPurchases: Int
        public var variants: [VariantResult]
        public var identification: Identification
        /// The objective weight of every training event, by behaviour type.
        public var objectiveWeights: [BehaviorType: [Double]]
        /// The sampling weight (1/p) of every kept event at each budget, by behaviour type.
        public var samplingWeights: [Double: [BehaviorType: [Double]]]
        /// The fraction of the training events importance sampling kept at
        /// each budget (its `sampling.target_rate`).
        public var keptFractions: [Double: Double]
        /// With the holdout's true probabilities: the AUC the Bayes-optimal
        /// ranking has in expectation over the labels (computed from the
        /// probabilities alone; the `bayes_optimal` variant's AUC is the same
        /// ranking graded on the labels drawn).
        public var expectedBayesAUC: Double?
        /// The bootstrap the intervals come from.
        public var bootstrap: HoldoutBootstrap
        /// Every variant's metrics on every resample, by variant name.
        public var resampled: [String: [Metric: [Double?]]]

        /// The paired interval of `a − b` for a metric, by variant name.
        public func difference(_ metric: Metric, _ a: String, _ b: String) -> ConfidenceInterval? {
            guard let a = resampled[a]?[metric], let b = resampled[b]?[metric] else { return nil }
            return bootstrap.differenceInterval(a, b)
        }

        /// The paired interval of `a / b` for a metric, by variant name.
        public func ratio(_ metric: Metric, _ a: String, _ b: String) -> ConfidenceInterval? {
            guard let a = resampled[a]?[metric], let b = resampled[b]?[metric] else { return nil }
            return bootstrap.ratioInterval(a, b)
        }
    }

    public let configuration: Configuration

    public init(configuration: Configuration) {
        self.configuration = configuration
    }

    /// Evaluates on `training` (in time order) and grades on `holdout`.
    public func run(training: [BehaviorEvent], holdout: [BehaviorEvent]) -> Result {
        run(training: TrainingStream(training), holdout: holdout)
    }

    /// Evaluates on the training stream, visited once per trainer pass and
    /// once more for the hindsight losses, and grades on `holdout`; with
    /// `truth` (each holdout event's probability of a positive label, known
    /// for a generated stream) the Bayes-optimal ranking is graded too, as
    /// the variant `bayes_optimal`. Memory grows with the holdout and a few
    /// numbers per training event (objective and sampling weights, scores),
    /// not with the events themselves.
    public func run(training: TrainingStream, holdout: [BehaviorEvent], truth: [Double]? = nil) -> Result {
        precondition(!holdout.isEmpty && truth.map { $0.count == holdout.count } ?? true)
        let space = configuration.estimator.features
        let hasher = FeatureHasher(space: { var space = space; space.bits = configuration.trainer.bits; return space }())
        var features = FeatureVector()
        func trainer(_ strategy: Strategy, _ budget: Double?) -> WeightedTrainer {
            WeightedTrainer(strategy: strategy, budget: budget, trainer: DownstreamTrainer(space: space, parameters: configuration.trainer))
        }
        var everyEvent = [trainer(.unweighted, nil), trainer(.classBalance, nil), trainer(.objective, nil), trainer(.validation, nil)]
        var sampled = configuration.budgets.map { [trainer(.uniform, $0), trainer(.importance, $0), trainer(.objectiveImportance, $0)] }

        var trainingEvents = 0
        var populationPositives = 0
        var scores: [Double] = []
        var objectiveWeights: [BehaviorType: [Double]] = [:]
        var samplingWeights: [Double: [BehaviorType: [Double]]] = [:]
        var kept = [Int](repeating: 0, count: configuration.budgets.count)
        // The first pass runs the estimators and keeps each event's weights;
        // later passes train from those (the same events give the same
        // weights), so the estimators run once whatever the passes.
        var classBalance: [Double] = [], objective: [Double] = [], validation: [Double] = []
        var samplingWeight = configuration.budgets.map { _ in [Double]() }
        var uniformKept = configuration.budgets.map { _ in [Bool]() }
        var full = ImportanceEstimator(configuration: estimatorConfiguration(budget: nil))
        var aligned = ImportanceEstimator(configuration: estimatorConfiguration(budget: nil, validationAlignment: true))
        var estimators = configuration.budgets.map { ImportanceEstimator(configuration: estimatorConfiguration(budget: $0)) }
        for pass in 0..<configuration.trainer.passes {
            var index = 0
            let first = pass == 0
            training.visit { event in
                let label = configuration.estimator.label(of: event.type) > 0.5
                hasher.features(of: event, into: &features)
                if first {
                    let source = SourcePosition(topic: "evaluate", partition: 0, offset: Int64(index))
                    let components = full.process(event, source: source).sample.components
                    classBalance.append(components.classBalance)
                    objective.append(components.objective)
                    validation.append(aligned.process(event, source: source).sample.components.validation ?? 1)
                    trainingEvents += 1
                    if label { populationPositives += 1 }
                    scores.append(components.gradientScore)
                    objectiveWeights[event.type, default: []].append(components.objective)
                    for (offset, budget) in configuration.budgets.enumerated() {
                        let sample = estimators[offset].process(event, source: source)
                        uniformKept[offset].append(ImportanceEstimator.keeps(eventID: sample.sample.eventID, probability: budget, seed: configuration.uniformSeed))
                        samplingWeight[offset].append(sample.kept ? sample.sample.components.samplingWeight : 0)
                        if sample.kept {
                            kept[offset] += 1
                            samplingWeights[budget, default: [:]][event.type, default: []].append(sample.sample.components.samplingWeight)
                        }
                    }
                }
                everyEvent[0].step(features, label: label, weight: 1, counting: first)
                everyEvent[1].step(features, label: label, weight: classBalance[index], counting: first)
                everyEvent[2].step(features, label: label, weight: objective[index], counting: first)
                everyEvent[3].step(features, label: label, weight: validation[index], counting: first)
                for (offset, budget) in configuration.budgets.enumerated() {
                    if uniformKept[offset][index] { sampled[offset][0].step(features, label: label, weight: 1 / budget, counting: first) }
                    let weight = samplingWeight[offset][index]
                    sampled[offset][1].step(features, label: label, weight: weight, counting: first)
                    sampled[offset][2].step(features, label: label, weight: weight * objective[index], counting: first)
                }
                index += 1
            }
        }
        precondition(trainingEvents > 0, "no training events")

        var variants: [VariantResult] = []
        var rankings: [RankedPredictions] = []
        for trainer in everyEvent + sampled.flatMap({ $0 }) {
            let (result, ranking) = grade(trainer, populationPositives, trainingEvents, holdout)
            variants.append(result)
            rankings.append(ranking)
        }
        if let truth {
            let labels = holdout.map { configuration.estimator.label(of: $0.type) > 0.5 }
            let ranking = RankedPredictions(truth)
            variants.append(VariantResult(
                strategy: .bayesOptimal, budget: nil, samples: 0, auc: ranking.auc(labels),
                logLoss: ClassificationMetrics.logLoss(truth, labels),
                purchasePRAUC: ranking.averagePrecision(holdout.map { $0.type == .purchase }),
                calibrationError: ClassificationMetrics.expectedCalibrationError(truth, labels), oddsRatio: 1
            ))
            rankings.append(ranking)
        }
        var keptFractions: [Double: Double] = [:]
        for (offset, budget) in configuration.budgets.enumerated() { keptFractions[budget] = Double(kept[offset]) / Double(trainingEvents) }

        let (bootstrap, resampled) = resample(variants: &variants, rankings: rankings, holdout: holdout)
        return Result(
            trainingEvents: trainingEvents,
            holdoutEvents: holdout.count,
            holdoutPositives: holdout.filter { configuration.estimator.label(of: $0.type) > 0.5 }.count,
            holdoutPurchases: holdout.filter { $0.type == .purchase }.count,
            variants: variants,
            identification: identify(training: training, scores: scores, hindsight: everyEvent[0].trainer),
            objectiveWeights: objectiveWeights,
            samplingWeights: samplingWeights,
            keptFractions: keptFractions,
            expectedBayesAUC: truth.flatMap { ClassificationMetrics.expectedAUC($0) },
            bootstrap: bootstrap,
            resampled: resampled
        )
    }

    /// The estimator's settings for a variant: sampling at `sampling.target_rate`
    /// = `budget`, or off for the variants on every event; the
    /// validation-aligned component on for the `validation` variant.
    func estimatorConfiguration(budget: Double?, validationAlignment: Bool = false) -> EstimatorConfiguration {
        var estimator = configuration.estimator
        estimator.samplingEnabled = budget != nil
        if validationAlignment { estimator.validationAlignment.enabled = true }
        if let budget {
            estimator.samplingTargetRate = budget
            estimator.minimumKeepProbability = min(estimator.minimumKeepProbability, budget)
        }
        return estimator
    }

    /// A variant's downstream trainer and the weighted class totals of what
    /// it trained on (for the prior correction).
    struct WeightedTrainer {
        let strategy: Strategy
        let budget: Double?
        var trainer: DownstreamTrainer
        var samples = 0
        var positiveWeight = 0.0
        var negativeWeight = 0.0

        init(strategy: Strategy, budget: Double?, trainer: DownstreamTrainer) {
            self.strategy = strategy
            self.budget = budget
            self.trainer = trainer
        }

        /// One training step; the first pass also counts the example.
        mutating func step(_ features: FeatureVector, label: Bool, weight: Double, counting: Bool) {
            guard weight > 0 else { return }
            trainer.step(features, label: label, weight: weight)
            guard counting else { return }
            samples += 1
            if label { positiveWeight += weight } else { negativeWeight += weight }
        }
    }

    /// Every variant's metrics on the same bootstrap resamples of the holdout:
    /// their intervals, and their paired differences from the first (the
    /// unweighted baseline).
    private func resample(
        variants: inout [VariantResult], rankings: [RankedPredictions], holdout: [BehaviorEvent]
    ) -> (HoldoutBootstrap, [String: [Metric: [Double?]]]) {
        let bootstrap = HoldoutBootstrap(events: holdout, configuration: configuration.bootstrap)
        let labels = holdout.map { configuration.estimator.label(of: $0.type) > 0.5 }
        let purchases = holdout.map { $0.type == .purchase }
        var statistics: [@Sendable ([Double]) -> Double?] = []
        for ranking in rankings {
            let losses = ClassificationMetrics.losses(ranking.predictions, labels)
            for metric in Metric.allCases {
                switch metric {
                case .auc: statistics.append { ranking.auc(labels, weights: $0) }
                case .logLoss: statistics.append { ranking.logLoss(losses: losses, weights: $0) }
                case .purchasePRAUC: statistics.append { ranking.averagePrecision(purchases, weights: $0) }
                case .calibrationError: statistics.append { ranking.calibrationError(labels, weights: $0) }
                }
            }
        }
        let values = bootstrap.resample(statistics)
        var resampled: [String: [Metric: [Double?]]] = [:]
        for index in variants.indices {
            for (offset, metric) in Metric.allCases.enumerated() {
                let own = values[index * Metric.allCases.count + offset]
                let baseline = values[offset]
                resampled[variants[index].name, default: [:]][metric] = own
                variants[index].intervals[metric] = bootstrap.interval(own)
                if index > 0 { variants[index].differenceFromBaseline[metric] = bootstrap.differenceInterval(own, baseline) }
            }
        }
        return (bootstrap, resampled)
    }

    private func grade(
        _ trained: WeightedTrainer, _ populationPositives: Int, _ populationCount: Int, _ holdout: [BehaviorEvent]
    ) -> (VariantResult, RankedPredictions) {
        var trainer = trained.trainer
        let correction = PriorCorrection(
            positiveWeight: trained.positiveWeight, negativeWeight: trained.negativeWeight,
            populationPositives: populationPositives, populationCount: populationCount
        )
        let predictions = holdout.map { correction(trainer.predict($0)) }
        let labels = holdout.map { configuration.estimator.label(of: $0.type) > 0.5 }
        let ranking = RankedPredictions(predictions)
        let result = VariantResult(
            strategy: trained.strategy, budget: trained.budget, samples: trained.samples,
            auc: ranking.auc(labels),
            logLoss: ClassificationMetrics.logLoss(predictions, labels),
            purchasePRAUC: ranking.averagePrecision(holdout.map { $0.type == .purchase }),
            calibrationError: ClassificationMetrics.expectedCalibrationError(predictions, labels),
            oddsRatio: correction.oddsRatio
        )
        return (result, ranking)
    }

    private func identify(training: TrainingStream, scores: [Double], hindsight: DownstreamTrainer) -> Identification {
        var hindsight = hindsight
        var losses: [Double] = []
        losses.reserveCapacity(scores.count)
        training.visit { event in
            losses.append(ClassificationMetrics.logLoss(hindsight.predict(event), configuration.estimator.label(of: event.type) > 0.5))
        }
        let count = max(1, Int((Double(scores.count) * configuration.topFraction).rounded()))
        // Ties broken by position, so the sets are deterministic.
        func top(_ values: [Double]) -> Set<Int> {
            Set(values.indices.sorted { values[$0] != values[$1] ? values[$0] > values[$1] : $0 < $1 }.prefix(count))
        }
        let byScore = top(scores)
        let byLoss = top(losses)
        let common = Double(byScore.intersection(byLoss).count)
        let precision = common / Double(byScore.count)
        let recall = common / Double(byLoss.count)
        return Identification(
            topFraction: configuration.topFraction, selected: count, precision: precision, recall: recall,
            f1: precision + recall > 0 ? 2 * precision * recall / (precision + recall) : 0
        )
    }
}
