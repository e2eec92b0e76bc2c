import Foundation
import SalienceCore
import SalienceDatasets
import SalienceTestSupport
import Testing

/// A small configuration so tests run fast; the semantics are the defaults'.
func smallConfiguration() -> EstimatorConfiguration {
    var configuration = EstimatorConfiguration()
    configuration.sketchEpsilon = 0.01
    configuration.logQBucketBits = 12
    configuration.features.bits = 16
    return configuration
}

func syntheticEvents(_ count: Int, seed: UInt64 = 42) -> [BehaviorEvent] {
    Array(SyntheticEventStream(configuration: .init(users: 2000, items: 5000, categories: 50, seed: seed)).prefix(count))
}

@Suite(.ownThreads) struct EstimatorTests {
    /// Labels follow a known linear rule over item and category: FTRL must
    /// rank held-out events with AUC ≥ 0.95, and its progressive log-loss falls.
    @Test func ftrlLearnsAKnownLinearRule() {
        var configuration = smallConfiguration()
        configuration.positiveTypes = [.click]
        configuration.features.fields = [.item, .category]
        configuration.features.crosses = []
        configuration.useClassBalance = false
        configuration.usePopularityDebiasing = false
        configuration.useUserDamping = false
        configuration.useExpertWeights = false
        var estimator = ImportanceEstimator(configuration: configuration)
        var generator = SplitMix64(seed: 11)
        let itemScore = (0..<300).map { _ in Double.random(in: -2...2, using: &generator) }
        let categoryScore = (0..<10).map { _ in Double.random(in: -1...1, using: &generator) }
        func event(_ index: Int) -> BehaviorEvent {
            let item = Int(generator.next() % 300)
            let category = item % 10
            let positive = itemScore[item] + categoryScore[category] > 0
            return BehaviorEvent(userID: "u\(index % 97)", itemID: "i\(item)", type: positive ? .click : .view,
                                 timestamp: 1_600_000_000_000 + Int64(index) * 1000, categoryID: "c\(category)")
        }
        var firstHalfLoss = 0.0
        var secondHalfLoss = 0.0
        let training = 60_000
        for index in 0..<training {
            let result = estimator.process(event(index))
            let p = min(max(result.sample.modelScore, 1e-15), 1 - 1e-15)
            let y = Double(result.sample.label)
            let loss = -(y * log(p) + (1 - y) * log(1 - p))
            if index < training / 2 { firstHalfLoss += loss } else { secondHalfLoss += loss }
        }
        #expect(secondHalfLoss < firstHalfLoss * 0.8, "progressive log-loss falls")
        #expect(estimator.metrics.logLoss! < log(2), "better than a coin")

        var scored: [(Double, Int)] = []
        for index in training..<(training + 5000) {
            let sample = estimator.process(event(index)).sample
            scored.append((sample.modelScore, sample.label))
        }
        #expect(auc(scored) >= 0.95)
        #expect(estimator.metrics.auc! >= 0.9)
    }

    /// 1 M keep decisions with keep probabilities spread over [0.01, 1]: the
    /// Horvitz–Thompson sum of kept events estimates the event count within 1%,
    /// and the keep rate is within 1% of its expectation.
    @Test func samplingIsUnbiased() {
        var generator = SplitMix64(seed: 3)
        var weightSum = 0.0
        var kept = 0
        var expectedKept = 0.0
        let total = 1_000_000
        for index in 0..<total {
            let probability = 0.01 + 0.99 * pow(generator.nextUnit(), 2)
            expectedKept += probability
            if ImportanceEstimator.keeps(eventID: "evt-\(index)", probability: probability, seed: 0x5EED_5A11) {
                kept += 1
                weightSum += 1 / probability
            }
        }
        #expect(abs(weightSum - Double(total)) / Double(total) < 0.01)
        #expect(abs(Double(kept) - expectedKept) / expectedKept < 0.01)
    }

    @Test func samplingInTheEstimatorKeepsAboutTheTargetRateWithUnbiasedWeights() {
        var configuration = smallConfiguration()
        configuration.samplingEnabled = true
        configuration.samplingTargetRate = 0.3
        var estimator = ImportanceEstimator(configuration: configuration)
        var weightSum = 0.0
        var expectedKept = 0.0
        var kept = 0
        let events = syntheticEvents(100_000)
        for event in events {
            let result = estimator.process(event)
            expectedKept += result.sample.components.keepProbability
            if result.kept {
                kept += 1
                weightSum += result.sample.components.samplingWeight
                #expect(result.sample.weight == result.sample.components.objective * result.sample.components.samplingWeight)
            }
        }
        #expect(abs(weightSum - Double(events.count)) / Double(events.count) < 0.03)
        #expect(abs(Double(kept) - expectedKept) / expectedKept < 0.03)
        #expect(Double(kept) / Double(events.count) < 0.5)
    }

    @Test func sameEventsAndConfigurationGiveByteIdenticalSamplesAndState() {
        let events = syntheticEvents(20_000)
        var first = ImportanceEstimator(configuration: smallConfiguration())
        var second = ImportanceEstimator(configuration: smallConfiguration())
        let firstSamples = events.map { first.process($0) }
        let secondSamples = events.map { second.process($0) }
        #expect(firstSamples == secondSamples)
        #expect(first.encodedState() == second.encodedState())
    }

    @Test func restoringMidStreamContinuesExactlyLikeAnUninterruptedRun() throws {
        let events = syntheticEvents(20_000)
        var uninterrupted = ImportanceEstimator(configuration: smallConfiguration())
        let expected = events.map { uninterrupted.process($0) }

        var before = ImportanceEstimator(configuration: smallConfiguration())
        let head = events[..<8_000].map { before.process($0) }
        var after = try ImportanceEstimator(configuration: smallConfiguration(), restoring: before.encodedState())
        let tail = events[8_000...].map { after.process($0) }
        #expect(head + tail == expected)
        #expect(after.encodedState() == uninterrupted.encodedState())
    }

    @Test func componentsMultiplyToTheWeightAndObjectiveWeightsAverageAboutOne() {
        var estimator = ImportanceEstimator(configuration: smallConfiguration())
        var objectiveSum = 0.0
        let events = syntheticEvents(30_000)
        var purchaseWeights: [Double] = []
        var viewWeights: [Double] = []
        for event in events {
            let sample = estimator.process(event).sample
            let c = sample.components
            #expect(abs(c.objectiveRaw - c.expert * c.classBalance * c.popularity * c.userDamping) <= 1e-12 * c.objectiveRaw)
            #expect((0.05...20).contains(c.objective))
            #expect(c.keepProbability == 1 && c.samplingWeight == 1)
            #expect(c.gradientScore >= 0)
            #expect(sample.logQ <= 0)
            objectiveSum += c.objective
            if sample.type == .purchase { purchaseWeights.append(sample.weight) }
            if sample.type == .view { viewWeights.append(sample.weight) }
        }
        let mean = objectiveSum / Double(events.count)
        #expect(mean > 0.8 && mean < 1.25, "normalised objective weights average about 1 (got \(mean))")
        let meanPurchase = purchaseWeights.reduce(0, +) / Double(purchaseWeights.count)
        let meanView = viewWeights.reduce(0, +) / Double(viewWeights.count)
        #expect(meanPurchase > 5 * meanView, "rare, valuable purchases outweigh views")
    }

    @Test func disabledComponentsAreOne() {
        var configuration = smallConfiguration()
        configuration.useClassBalance = false
        configuration.usePopularityDebiasing = false
        configuration.useUserDamping = false
        configuration.useExpertWeights = false
        var estimator = ImportanceEstimator(configuration: configuration)
        for event in syntheticEvents(2000) {
            let c = estimator.process(event).sample.components
            #expect(c.expert == 1 && c.classBalance == 1 && c.popularity == 1 && c.userDamping == 1 && c.objective == 1)
        }
    }

    @Test func invalidConfigurationNamesTheSetting() {
        var configuration = EstimatorConfiguration()
        configuration.classBalanceBeta = 1.5
        configuration.features.bits = 40
        let errors = configuration.validationErrors()
        #expect(errors.contains { $0.hasPrefix("class_balance_beta:") })
        #expect(errors.contains { $0.hasPrefix("feature_bits:") })
        #expect(EstimatorConfiguration().validationErrors().isEmpty)
    }
}

/// Exact AUC by ranking (ties count half).
func auc(_ scored: [(Double, Int)]) -> Double {
    let sorted = scored.sorted { $0.0 < $1.0 }
    var rankSum = 0.0
    var index = 0
    while index < sorted.count {
        var end = index
        while end + 1 < sorted.count && sorted[end + 1].0 == sorted[index].0 { end += 1 }
        let averageRank = Double(index + end) / 2 + 1
        for position in index...end where sorted[position].1 == 1 { rankSum += averageRank }
        index = end + 1
    }
    let positives = Double(sorted.filter { $0.1 == 1 }.count)
    let negatives = Double(sorted.count) - positives
    return (rankSum - positives * (positives + 1) / 2) / (positives * negatives)
}
