@testable import SalienceCore
@testable import SalienceEvaluation
import Foundation
import SalienceTestSupport
import Testing

@Suite(.ownThreads) struct HoldoutBootstrapTests {
    /// Scores of `count` positives drawn from N(separation, 1) and as many
    /// negatives from N(0, 1): the true AUC is Φ(separation / √2).
    static func scores(_ count: Int, separation: Double, random: inout SplitMix64) -> (predictions: [Double], labels: [Bool]) {
        func normal() -> Double {
            let u1 = max(random.nextUnit(), 1e-300), u2 = random.nextUnit()
            return (-2 * log(u1)).squareRoot() * cos(2 * Double.pi * u2)
        }
        let positives = (0..<count).map { _ in normal() + separation }
        let negatives = (0..<count).map { _ in normal() }
        return (positives + negatives, Array(repeating: true, count: count) + Array(repeating: false, count: count))
    }

    @Test func theAUCIntervalCoversTheTrueAUCAboutNinetyFivePercentOfTheTime() {
        let separation = 1.0
        let trueAUC = 0.5 * erfc(-separation / 2)  // Φ(d/√2) = ½ erfc(−d/2)
        var random = SplitMix64(seed: 11)
        let trials = 200
        var covered = 0
        for trial in 0..<trials {
            let (predictions, labels) = Self.scores(100, separation: separation, random: &random)
            let bootstrap = HoldoutBootstrap(keys: Array(predictions.indices), configuration: .init(resamples: 300, seed: UInt64(trial)))
            let ranking = RankedPredictions(predictions)
            let values = bootstrap.resample([{ ranking.auc(labels, weights: $0) }])
            if bootstrap.interval(values[0])?.contains(trueAUC) == true { covered += 1 }
        }
        let coverage = Double(covered) / Double(trials)
        // 95 % nominal; the binomial spread of 200 trials is ±3 %, and the
        // percentile bootstrap runs slightly narrow on 200 examples.
        #expect(coverage >= 0.88 && coverage <= 0.99, "coverage \(coverage)")
    }

    @Test func weightsAreWholeGroupsDrawnWithReplacementAndRepeatForASeed() {
        let keys = ["a", "a", "b", "c", "c", "c", "d"]
        let bootstrap = HoldoutBootstrap(keys: keys, configuration: .init(resamples: 50, seed: 3))
        var differ = false
        for index in 0..<50 {
            let weights = bootstrap.weights(ofResample: index)
            #expect(weights[0] == weights[1] && weights[3] == weights[4] && weights[4] == weights[5])
            #expect(weights[0] + weights[2] + weights[3] + weights[6] == 4)  // four groups drawn
            #expect(weights == bootstrap.weights(ofResample: index))
            if weights != bootstrap.weights(ofResample: index + 1) { differ = true }
        }
        #expect(differ)
        let other = HoldoutBootstrap(keys: keys, configuration: .init(resamples: 50, seed: 4))
        #expect((0..<50).contains { other.weights(ofResample: $0) != bootstrap.weights(ofResample: $0) })
    }

    @Test func weightedMetricsEqualTheMetricsOfRepeatedExamples() {
        var random = SplitMix64(seed: 5)
        let (predictions, labels) = Self.scores(40, separation: 0.7, random: &random)
        // Ties, to exercise the tied groups.
        let rounded = predictions.map { ($0 * 4).rounded() / 4 }
        let weights = rounded.indices.map { Double($0 % 3) }
        let repeated = rounded.indices.flatMap { Array(repeating: $0, count: Int(weights[$0])) }
        let ranking = RankedPredictions(rounded)
        let repeatedPredictions = repeated.map { rounded[$0] }, repeatedLabels = repeated.map { labels[$0] }
        func close(_ a: Double?, _ b: Double?) -> Bool { abs(a! - b!) < 1e-12 }
        #expect(close(ranking.auc(labels, weights: weights), ClassificationMetrics.auc(repeatedPredictions, repeatedLabels)))
        #expect(close(ranking.averagePrecision(labels, weights: weights), ClassificationMetrics.averagePrecision(repeatedPredictions, repeatedLabels)))
        let probabilities = rounded.map { 1 / (1 + exp(-$0)) }
        #expect(close(RankedPredictions(probabilities).logLoss(labels, weights: weights), ClassificationMetrics.logLoss(repeated.map { probabilities[$0] }, repeatedLabels)))
        #expect(close(
            RankedPredictions(probabilities).calibrationError(labels, weights: weights),
            ClassificationMetrics.expectedCalibrationError(repeated.map { probabilities[$0] }, repeatedLabels)
        ))
    }

    @Test func pairedDifferencesSeparateABetterModelAndNotAnEqualOne() {
        var random = SplitMix64(seed: 9)
        let (good, labels) = Self.scores(300, separation: 1.5, random: &random)
        // The weaker model: the same scores with strong noise added.
        let weak = good.map { score in score + 3 * (random.nextUnit() - 0.5) }
        let bootstrap = HoldoutBootstrap(keys: Array(good.indices), configuration: .init(resamples: 400))
        let (goodRanking, weakRanking) = (RankedPredictions(good), RankedPredictions(weak))
        let values = bootstrap.resample([{ goodRanking.auc(labels, weights: $0) }, { weakRanking.auc(labels, weights: $0) }])
        let difference = try! #require(bootstrap.differenceInterval(values[0], values[1]))
        #expect(difference.isAbove(0), "\(difference)")
        #expect(EvaluationFindings.Verdict(difference, above: 0) == .met)
        #expect(EvaluationFindings.Verdict(bootstrap.differenceInterval(values[1], values[0]), above: 0) == .notMet)
        #expect(EvaluationFindings.Verdict(bootstrap.differenceInterval(values[0], values[0]), above: 0) == .notShown)
        #expect(EvaluationFindings.Verdict(nil, above: 0) == .notShown)
    }

    @Test func noResamplesGiveNoIntervals() {
        let bootstrap = HoldoutBootstrap(keys: [1, 2, 3], configuration: .init(resamples: 0))
        #expect(bootstrap.interval(bootstrap.resample([{ _ in 1 }])[0]) == nil)
    }

    @Test func theWilsonIntervalMatchesAKnownCase() throws {
        // 8 of 10: Wilson 95 % is [0.490, 0.943].
        let interval = try #require(EvaluationFindings.wilsonInterval(successes: 8, trials: 10))
        #expect(abs(interval.lower - 0.4902) < 1e-3 && abs(interval.upper - 0.9433) < 1e-3)
    }
}

extension HoldoutBootstrapTests {
    @Test func theExpectedAUCOfProbabilitiesMatchesTheSumOverPairs() throws {
        var random = SplitMix64(seed: 17)
        // Rounded, so ties occur.
        let probabilities = (0..<300).map { _ in (random.nextUnit() * 20).rounded() / 20 }
        var ordered = 0.0, pairs = 0.0
        for i in probabilities.indices {
            for j in probabilities.indices where i != j {
                let weight = probabilities[i] * (1 - probabilities[j])
                pairs += weight
                if probabilities[i] > probabilities[j] { ordered += weight } else if probabilities[i] == probabilities[j] { ordered += weight / 2 }
            }
        }
        let expected = try #require(ClassificationMetrics.expectedAUC(probabilities))
        #expect(abs(expected - ordered / pairs) < 1e-12)
        #expect(ClassificationMetrics.expectedAUC([0.3, 0.3]) == 0.5)
        #expect(ClassificationMetrics.expectedAUC([1, 1]) == nil)
    }
}
