@testable import SalienceEvaluation
import Foundation
import SalienceCore
import SalienceDatasets
import SalienceTestSupport
import Testing

@Suite("Evaluation: holdout metrics, prior correction, downstream trainer", .ownThreads)
struct EvaluationMetricTests {
    @Test("AUC is the Mann–Whitney statistic, ties counted half")
    func auc() {
        #expect(ClassificationMetrics.auc([0.1, 0.4, 0.5, 0.8], [false, true, false, true]) == 0.75)
        #expect(ClassificationMetrics.auc([0.1, 0.2, 0.8, 0.9], [false, false, true, true]) == 1)
        #expect(ClassificationMetrics.auc([0.9, 0.8, 0.2, 0.1], [false, false, true, true]) == 0)
        #expect(ClassificationMetrics.auc([0.5, 0.5, 0.5, 0.5], [false, true, false, true]) == 0.5)
        #expect(ClassificationMetrics.auc([0.3, 0.6], [true, true]) == nil)
    }

    @Test("Average precision: the mean precision at each positive")
    func averagePrecision() throws {
        // Ranked: 0.9 (pos) 0.8 (neg) 0.7 (pos) 0.1 (neg): (1/1 + 2/3) / 2.
        let ap = try #require(ClassificationMetrics.averagePrecision([0.1, 0.9, 0.7, 0.8], [false, true, true, false]))
        #expect(abs(ap - (1 + 2.0 / 3) / 2) < 1e-12)
        #expect(ClassificationMetrics.averagePrecision([0.1, 0.2], [false, false]) == nil)
    }

    @Test("Log-loss and expected calibration error on hand-computed cases")
    func lossAndCalibration() {
        #expect(abs(ClassificationMetrics.logLoss([0.8, 0.4], [true, false]) - (-(log(0.8) + log(0.6)) / 2)) < 1e-12)
        // Bin [0.2,0.3): mean 0.25, rate 0.5 → |0.25| × 2/4; bin [0.9,1): mean 0.9, rate 1 → 0.1 × 2/4.
        let ece = ClassificationMetrics.expectedCalibrationError([0.25, 0.25, 0.9, 0.9], [true, false, true, true])
        #expect(abs(ece - (0.25 * 0.5 + 0.1 * 0.5)) < 1e-12)
    }

    @Test("Prior correction: He et al.'s formula after negative downsampling; none for Horvitz–Thompson weights")
    func priorCorrection() {
        // 100 positives, 900 negatives; negatives kept at w = 0.1 with weight 1.
        let labels = [Bool](repeating: true, count: 100) + [Bool](repeating: false, count: 90)
        let downsampled = PriorCorrection(weights: [Double](repeating: 1, count: 190), labels: labels, populationPositives: 100, populationCount: 1000)
        #expect(abs(downsampled.oddsRatio - 10) < 1e-9)
        let p = 0.6
        #expect(abs(downsampled(p) - p / (p + (1 - p) / 0.1)) < 1e-12)
        // The same negatives weighted 1/w: no correction.
        let weighted = PriorCorrection(weights: [Double](repeating: 1, count: 100) + [Double](repeating: 10, count: 90), labels: labels,
                                       populationPositives: 100, populationCount: 1000)
        #expect(abs(weighted.oddsRatio - 1) < 1e-9)
        #expect(abs(weighted(p) - p) < 1e-12)
    }

    @Test("The downstream trainer uses the weights")
    func trainerUsesWeights() {
        let events = Array(SyntheticEventStream(configuration: .init(users: 200, items: 500, seed: 3)).prefix(2000))
        let probe = events[0]
        func trained(_ weight: (BehaviorEvent) -> Double) -> Double {
            var trainer = DownstreamTrainer(space: FeatureSpace(), parameters: .init(passes: 2, bits: 16))
            trainer.train(events.map { .init(event: $0, label: $0.type != .view, weight: weight($0)) })
            return trainer.predict(probe)
        }
        #expect(trained { _ in 0 } == 0.5)
        let unweighted = trained { _ in 1 }
        let positivesHeavy = trained { $0.type != .view ? 10 : 1 }
        #expect(positivesHeavy > unweighted)
        #expect(trained { _ in 1 } == unweighted)
    }
}

@Suite("Evaluation: variants on a generated stream", .ownThreads)
struct TrainingValueEvaluationTests {
    static let events = Array(SyntheticEventStream(configuration: .init(users: 400, items: 1500, seed: 21)).prefix(12_000))

    static func evaluate() -> TrainingValueEvaluation.Result {
        var estimator = EstimatorConfiguration()
        estimator.features.bits = 16
        estimator.logQBucketBits = 12
        estimator.sketchEpsilon = 0.01
        let evaluation = TrainingValueEvaluation(configuration: .init(
            estimator: estimator, budgets: [0.25, 1], trainer: .init(passes: 2, bits: 16),
            bootstrap: .init(resamples: 200)
        ))
        return evaluation.run(training: Array(events.prefix(10_000)), holdout: Array(events.dropFirst(10_000)))
    }

    @Test("Every variant is graded; sample counts, budgets and prior corrections are as specified; runs repeat")
    func variants() throws {
        let result = Self.evaluate()
        #expect(result.trainingEvents == 10_000 && result.holdoutEvents == 2000)
        #expect(result.variants.map(\.name) == [
            "unweighted", "class_balance", "objective", "validation",
            "uniform@0.25", "importance@0.25", "objective_importance@0.25",
            "uniform@1.0", "importance@1.0", "objective_importance@1.0",
        ])
        let byName = Dictionary(uniqueKeysWithValues: result.variants.map { ($0.name, $0) })
        #expect(byName["unweighted"]?.samples == 10_000)
        #expect(byName["unweighted"]?.oddsRatio == 1)
        let importance = try #require(byName["importance@0.25"])
        let uniform = try #require(byName["uniform@0.25"])
        // The budget is the kept fraction: 25 % of the events, and all of them at 1.
        #expect(abs(Double(importance.samples) - 2_500) < 125, "\(importance.samples)")
        #expect(result.keptFractions[0.25] == Double(importance.samples) / 10_000)
        #expect(byName["importance@1.0"]?.samples == 10_000 && byName["uniform@1.0"]?.samples == 10_000)
        #expect(abs(Double(uniform.samples - importance.samples)) < 0.1 * Double(importance.samples))
        #expect(byName["objective_importance@0.25"]?.samples == importance.samples)
        // Horvitz–Thompson weights keep the class prior: little to correct.
        #expect(abs(importance.oddsRatio - 1) < 0.35, "\(importance.oddsRatio)")
        #expect(abs(uniform.oddsRatio - 1) < 0.2, "\(uniform.oddsRatio)")
        for variant in result.variants {
            let auc = try #require(variant.auc)
            #expect(auc > 0 && auc < 1)
            #expect(variant.logLoss > 0 && variant.logLoss.isFinite)
        }
        #expect((0...1).contains(result.identification.precision))
        #expect(result.objectiveWeights.values.map(\.count).reduce(0, +) == 10_000)
        #expect(result.samplingWeights[0.25]?.values.map(\.count).reduce(0, +) == importance.samples)

        // Every metric has its interval; every variant but the baseline its paired difference.
        for variant in result.variants {
            #expect(Set(variant.intervals.keys) == Set(TrainingValueEvaluation.Metric.allCases), "\(variant.name)")
            #expect(variant.differenceFromBaseline.isEmpty == (variant.name == "unweighted"), "\(variant.name)")
            let auc = try #require(variant.intervals[.auc])
            #expect(auc.lower < auc.upper && auc.upper - auc.lower < 0.2, "\(variant.name): \(auc)")
        }
        // importance@1.0 trains on every event like the baseline, by another weighting: its
        // paired difference is far narrower than either interval.
        let same = try #require(result.difference(.auc, "uniform@1.0", "uniform@1.0"))
        #expect(same == ConfidenceInterval(lower: 0, upper: 0))

        let again = Self.evaluate()
        #expect(again.variants.map(\.intervals) == result.variants.map(\.intervals))
        #expect(again.variants.map(\.auc) == result.variants.map(\.auc))
        #expect(again.variants.map(\.logLoss) == result.variants.map(\.logLoss))
    }
}

@Suite("Feature hashing shared with the example trainer", .ownThreads)
struct TrainerHashingTests {
    @Test("HashScheme and FeatureHasher give the vectors and indices Examples/trainer/golden_features.json records (the Python trainer checks the same file)")
    func goldenIndices() throws {
        let url = URL(fileURLWithPath: #filePath).deletingLastPathComponent().deletingLastPathComponent().deletingLastPathComponent()
            .appendingPathComponent("Examples/trainer/golden_features.json")
        let golden = try #require(JSONSerialization.jsonObject(with: Data(contentsOf: url)) as? [String: Any])
        let identities = try #require(golden["identity"] as? [[String: String]])
        let mixes = try #require(golden["mix"] as? [[String: String]])
        #expect(identities.count == 4 && mixes.count == 4)
        for vector in identities {
            #expect(String(HashScheme.id(try #require(vector["id"]))) == vector["hash"])
        }
        for vector in mixes {
            let value = try #require(vector["value"].flatMap { UInt64($0) })
            let seed = try #require(vector["seed"].flatMap { UInt64($0) })
            #expect(String(HashScheme.mix(value, seed: seed)) == vector["hash"])
        }
        let sample = try #require(golden["sample"] as? [String: Any])
        let typeName = try #require(sample["type"] as? String)
        let event = BehaviorEvent(
            userID: try #require(sample["user_id"] as? String), itemID: try #require(sample["item_id"] as? String),
            type: try #require(BehaviorType(name: typeName)),
            timestamp: Int64(try #require(sample["ts"] as? Int))
        )
        var features = FeatureVector()
        FeatureHasher(space: FeatureSpace()).features(of: event, into: &features)
        #expect(features.indices == (golden["indices"] as? [Int]))
        #expect(features.values.allSatisfy { $0 == 1 })
    }
}

@Suite("Evaluation: delayed-feedback label variants", .ownThreads)
struct DelayedFeedbackEvaluationTests {
    static func evaluate(window: Duration, rebuildEveryEvents: Int = 1000) -> DelayedFeedbackEvaluation.Result {
        var estimator = EstimatorConfiguration()
        estimator.features.bits = 16
        estimator.logQBucketBits = 12
        estimator.sketchEpsilon = 0.01
        estimator.labels.window = window
        estimator.allowedLateness = .zero
        estimator.negatives.rebuildEveryEvents = rebuildEveryEvents
        let events = TrainingValueEvaluationTests.events
        return DelayedFeedbackEvaluation(estimator: estimator, trainer: .init(passes: 2, bits: 16), negativesPerPositive: 3)
            .run(training: Array(events.prefix(10_000)), holdout: Array(events.dropFirst(10_000)))
    }

    @Test("Every label variant is graded on the holdout's attributed exposures; positives agree across policies")
    func variants() throws {
        let result = Self.evaluate(window: .seconds(60))
        #expect(result.variants.map(\.name) == [
            "per_event", "attribution", "attribution+negatives", "fake_negative (unweighted)", "fake_negative",
        ])
        #expect(result.holdoutExposures > 100 && result.holdoutConversions > 0)
        let byName = Dictionary(uniqueKeysWithValues: result.variants.map { ($0.name, $0) })
        let attribution = try #require(byName["attribution"])
        let withNegatives = try #require(byName["attribution+negatives"])
        #expect(byName["per_event"]?.samples == 10_000)
        #expect(withNegatives.positives == attribution.positives)
        #expect(withNegatives.samples > attribution.samples && withNegatives.samples <= attribution.samples + 3 * attribution.positives)
        #expect(byName["fake_negative"]?.positives == attribution.positives, "each conversion resolves the same exposures")
        #expect(byName["fake_negative"]?.samples == byName["fake_negative (unweighted)"]?.samples)
        for variant in result.variants {
            #expect(variant.logLoss > 0 && variant.logLoss.isFinite, "\(variant.name)")
            let uniform = try #require(variant.rankingAUCUniform, "\(variant.name)")
            let popular = try #require(variant.rankingAUCPopular, "\(variant.name)")
            #expect((0...1).contains(uniform) && (0...1).contains(popular), "\(variant.name)")
        }
    }

    @Test("A training stream shorter than the sampler's first rebuild draws no negative, and the result says so")
    func negativesThatCannotBeDrawnAreReported() throws {
        let drawn = Self.evaluate(window: .seconds(60))
        #expect(drawn.warnings.isEmpty)
        let starved = Self.evaluate(window: .seconds(60), rebuildEveryEvents: 20_000)
        let byName = Dictionary(uniqueKeysWithValues: starved.variants.map { ($0.name, $0) })
        #expect(byName["attribution+negatives"] == byName["attribution"].map { var same = $0; same.name = "attribution+negatives"; return same })
        #expect(starved.warnings.count == 1)
        #expect(starved.warnings.first?.contains("fewer than negatives.rebuild_every_events (20000)") == true, "\(starved.warnings)")
    }

    @Test("A holdout shorter than the window grades nothing rather than a biased set")
    func holdoutShorterThanTheWindow() {
        let result = Self.evaluate(window: .seconds(3600))
        #expect(result.holdoutExposures == 0)
        #expect(result.variants.isEmpty)
    }
}

@Suite("Evaluation: the click-model stream, streamed", .ownThreads)
struct ClickModelEvaluationTests {
    @Test("A streamed training set grades as the same events in an array; the Bayes-optimal ranking beats every trained variant")
    func streamedAndBayesOptimal() throws {
        let generator = ClickModelStream.Configuration(events: 24_000, users: 3_000, items: 2_000)
        let draws = Array(ClickModelStream(configuration: generator))
        let training = draws.prefix(21_000).map(\.event)
        let holdout = draws.dropFirst(21_000).map(\.event), truth = draws.dropFirst(21_000).map(\.probability)
        var estimator = EstimatorConfiguration()
        estimator.features.bits = 16
        estimator.logQBucketBits = 12
        estimator.sketchEpsilon = 0.01
        let evaluation = TrainingValueEvaluation(configuration: .init(
            estimator: estimator, budgets: [0.25], trainer: .init(passes: 2, bits: 16), bootstrap: .init(resamples: 100)
        ))
        let streamed = evaluation.run(
            training: .init { body in for draw in ClickModelStream(configuration: generator).prefix(21_000) { body(draw.event) } },
            holdout: holdout, truth: truth
        )
        let held = evaluation.run(training: training, holdout: holdout)
        #expect(streamed.variants.dropLast().map(\.auc) == held.variants.map(\.auc))
        #expect(streamed.variants.dropLast().map(\.samples) == held.variants.map(\.samples))
        #expect(streamed.identification.precision == held.identification.precision)

        let bayes = try #require(streamed.variants.last)
        #expect(bayes.strategy == .bayesOptimal && held.variants.allSatisfy { $0.strategy != .bayesOptimal })
        let bayesAUC = try #require(bayes.auc)
        for variant in streamed.variants.dropLast() { #expect(try #require(variant.auc) < bayesAUC, "\(variant.name)") }
        // The graded AUC of the true probabilities is their expected AUC, up to the labels' draw.
        let expected = try #require(streamed.expectedBayesAUC)
        #expect(abs(expected - bayesAUC) < 0.03, "expected \(expected), graded \(bayesAUC)")
    }
}
