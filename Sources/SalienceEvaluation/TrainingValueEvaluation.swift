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
        /// Importance-sampled, weight = objective × 1/p.
        case objectiveImportance = "objective_importance"
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
        precondition(!training.isEmpty && !holdout.isEmpty)
        let labels = training.map { configuration.estimator.label(of: $0.type) > 0.5 }
        let populationPositives = labels.filter { $0 }.count

        // The full pass: objective weights and online scores of every event.
        var full = configuration.estimator
        full.samplingEnabled = false
        let fullResults = Self.estimate(training, configuration: full)

        var variants: [VariantResult] = []
        var rankings: [RankedPredictions] = []
        var hindsight = DownstreamTrainer(space: configuration.estimator.features, parameters: configuration.trainer)
        let everything = zip(training, labels).map { DownstreamTrainer.Example(event: $0, label: $1, weight: 1) }
        hindsight.train(everything)
        func add(_ graded: (VariantResult, RankedPredictions)) {
            variants.append(graded.0)
            rankings.append(graded.1)
        }
        add(grade(.unweighted, budget: nil, trainer: hindsight, examples: everything, populationPositives, training.count, holdout))

        func allEvents(_ weight: (WeightComponents) -> Double) -> [DownstreamTrainer.Example] {
            zip(zip(training, labels), fullResults).map { .init(event: $0.0, label: $0.1, weight: weight($1.sample.components)) }
        }
        add(train(.classBalance, budget: nil, examples: allEvents(\.classBalance), populationPositives, training.count, holdout))
        add(train(.objective, budget: nil, examples: allEvents(\.objective), populationPositives, training.count, holdout))

        var samplingWeights: [Double: [BehaviorType: [Double]]] = [:]
        var keptFractions: [Double: Double] = [:]
        for budget in configuration.budgets {
            let results = sampled(training, budget: budget)
            var importance: [DownstreamTrainer.Example] = []
            var objectiveImportance: [DownstreamTrainer.Example] = []
            for (index, result) in results.enumerated() where result.kept {
                let components = result.sample.components
                importance.append(.init(event: training[index], label: labels[index], weight: components.samplingWeight))
                objectiveImportance.append(.init(event: training[index], label: labels[index], weight: components.samplingWeight * components.objective))
                samplingWeights[budget, default: [:]][training[index].type, default: []].append(components.samplingWeight)
            }
            // Uniform keeps as many events as importance sampling did, so both spend the same budget.
            let uniformRate = Double(importance.count) / Double(training.count)
            var uniform: [DownstreamTrainer.Example] = []
            for (index, result) in fullResults.enumerated()
            where ImportanceEstimator.keeps(eventID: result.sample.eventID, probability: uniformRate, seed: configuration.uniformSeed) {
                uniform.append(.init(event: training[index], label: labels[index], weight: 1 / uniformRate))
            }
            add(train(.uniform, budget: budget, examples: uniform, populationPositives, training.count, holdout))
            add(train(.importance, budget: budget, examples: importance, populationPositives, training.count, holdout))
            add(train(.objectiveImportance, budget: budget, examples: objectiveImportance, populationPositives, training.count, holdout))
            keptFractions[budget] = uniformRate
        }

        let (bootstrap, resampled) = resample(variants: &variants, rankings: rankings, holdout: holdout)
        var objectiveWeights: [BehaviorType: [Double]] = [:]
        for (event, result) in zip(training, fullResults) { objectiveWeights[event.type, default: []].append(result.sample.components.objective) }
        return Result(
            trainingEvents: training.count,
            holdoutEvents: holdout.count,
            holdoutPositives: holdout.filter { configuration.estimator.label(of: $0.type) > 0.5 }.count,
            holdoutPurchases: holdout.filter { $0.type == .purchase }.count,
            variants: variants,
            identification: identify(training: training, labels: labels, scores: fullResults.map(\.sample.components.gradientScore), hindsight: hindsight),
            objectiveWeights: objectiveWeights,
            samplingWeights: samplingWeights,
            keptFractions: keptFractions,
            bootstrap: bootstrap,
            resampled: resampled
        )
    }

    /// The estimator's results with sampling at `sampling.target_rate` = `budget`.
    func sampled(_ events: [BehaviorEvent], budget: Double) -> [EstimatorResult] {
        var sampled = configuration.estimator
        sampled.samplingEnabled = true
        sampled.samplingTargetRate = budget
        sampled.minimumKeepProbability = min(sampled.minimumKeepProbability, budget)
        return Self.estimate(events, configuration: sampled)
    }

    /// One estimator over the events in order, as one partition; event ids
    /// are the positions, so keep decisions are reproducible.
    static func estimate(_ events: [BehaviorEvent], configuration: EstimatorConfiguration) -> [EstimatorResult] {
        var estimator = ImportanceEstimator(configuration: configuration)
        return events.enumerated().map { index, event in
            estimator.process(event, source: SourcePosition(topic: "evaluate", partition: 0, offset: Int64(index)))
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
        var statistics: [([Double]) -> Double?] = []
        for ranking in rankings {
            for metric in Metric.allCases {
                switch metric {
                case .auc: statistics.append { ranking.auc(labels, weights: $0) }
                case .logLoss: statistics.append { ranking.logLoss(labels, weights: $0) }
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

    private func train(
        _ strategy: Strategy, budget: Double?, examples: [DownstreamTrainer.Example],
        _ populationPositives: Int, _ populationCount: Int, _ holdout: [BehaviorEvent]
    ) -> (VariantResult, RankedPredictions) {
        var trainer = DownstreamTrainer(space: configuration.estimator.features, parameters: configuration.trainer)
        trainer.train(examples)
        return grade(strategy, budget: budget, trainer: trainer, examples: examples, populationPositives, populationCount, holdout)
    }

    private func grade(
        _ strategy: Strategy, budget: Double?, trainer: DownstreamTrainer, examples: [DownstreamTrainer.Example],
        _ populationPositives: Int, _ populationCount: Int, _ holdout: [BehaviorEvent]
    ) -> (VariantResult, RankedPredictions) {
        var trainer = trainer
        let correction = PriorCorrection(examples: examples, populationPositives: populationPositives, populationCount: populationCount)
        let predictions = holdout.map { correction(trainer.predict($0)) }
        let labels = holdout.map { configuration.estimator.label(of: $0.type) > 0.5 }
        let ranking = RankedPredictions(predictions)
        let result = VariantResult(
            strategy: strategy, budget: budget, samples: examples.count,
            auc: ranking.auc(labels),
            logLoss: ClassificationMetrics.logLoss(predictions, labels),
            purchasePRAUC: ranking.averagePrecision(holdout.map { $0.type == .purchase }),
            calibrationError: ClassificationMetrics.expectedCalibrationError(predictions, labels),
            oddsRatio: correction.oddsRatio
        )
        return (result, ranking)
    }

    private func identify(training: [BehaviorEvent], labels: [Bool], scores: [Double], hindsight: DownstreamTrainer) -> Identification {
        var hindsight = hindsight
        let losses = zip(training, labels).map { event, label in
            ClassificationMetrics.logLoss(hindsight.predict(event), label)
        }
        let count = max(1, Int((Double(training.count) * configuration.topFraction).rounded()))
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
