import Foundation
import SalienceCore
import SalienceDatasets
import SalienceTestSupport
import Testing

/// Hand-built streams through the delayed-feedback label policies.
@Suite(.ownThreads) struct LabelPolicyTests {
    static let start: Int64 = 1_700_000_000_000
    static let window: Int64 = 10_000

    static func configuration(_ policy: LabelPolicy, maxPending: Int = 1000) -> EstimatorConfiguration {
        var configuration = smallConfiguration()
        configuration.labels.policy = policy
        configuration.labels.window = .milliseconds(window)
        configuration.labels.maxPending = maxPending
        configuration.labels.conversionModelBits = 12
        configuration.allowedLateness = .zero
        return configuration
    }

    static func event(_ type: BehaviorType, user: String = "u", item: String = "i", at offset: Int64, id: String) -> BehaviorEvent {
        BehaviorEvent(userID: user, itemID: item, type: type, timestamp: start + offset, eventID: id)
    }

    /// Runs the events and returns, per event, the samples it released.
    static func run(_ events: [BehaviorEvent], _ configuration: EstimatorConfiguration) -> [[WeightedSample]] {
        var estimator = ImportanceEstimator(configuration: configuration)
        return events.map { event in
            var samples: [WeightedSample] = []
            _ = estimator.release(event, into: &samples)
            return samples
        }
    }

    @Test func aConversionInsideTheWindowLabelsTheExposureOneAtTheConversion() {
        let released = Self.run([
            Self.event(.view, at: 0, id: "v"),
            Self.event(.fav, at: 1000, id: "f"),
            Self.event(.purchase, at: 4000, id: "p"),
        ], Self.configuration(.attribution))
        #expect(released[0].isEmpty, "the exposure waits")
        #expect(released[1].map(\.eventID) == ["f"], "neither exposure nor conversion: per event")
        #expect(released[1][0].origin == .event)
        #expect(released[2].count == 1, "the conversion is the label, not a sample")
        let sample = released[2][0]
        #expect(sample.eventID == "v" && sample.label == 1 && sample.origin == .exposure)
        #expect(sample.resolution?.conversionTimestamp == Self.start + 4000)
        #expect(sample.components.keepProbability == 1 && sample.weight == sample.components.objective)
    }

    @Test func theWindowEdgeIsInclusive() {
        let atEdge = Self.run([Self.event(.view, at: 0, id: "v"), Self.event(.cart, at: Self.window, id: "c")], Self.configuration(.attribution))
        #expect(atEdge[1].map(\.eventID) == ["v"])
        #expect(atEdge[1][0].label == 1)

        let pastEdge = Self.run([Self.event(.view, at: 0, id: "v"), Self.event(.cart, at: Self.window + 1, id: "c")], Self.configuration(.attribution))
        // The conversion misses the window; its watermark then closes the exposure.
        #expect(pastEdge[1].map(\.eventID) == ["c", "v"])
        #expect(pastEdge[1][0].origin == .conversion && pastEdge[1][0].label == 1)
        #expect(pastEdge[1][1].origin == .exposure && pastEdge[1][1].label == 0)
        #expect(pastEdge[1][1].resolution == LabelResolution())
    }

    @Test func anExposureExpiresOnlyOnceTheWatermarkPassesItsDeadline() {
        let released = Self.run([
            Self.event(.view, at: 0, id: "v"),
            Self.event(.view, item: "other", at: Self.window, id: "w1"),
            Self.event(.view, item: "other", at: Self.window + 1, id: "w2"),
        ], Self.configuration(.attribution))
        #expect(released[1].isEmpty, "watermark = deadline: still waiting")
        #expect(released[2].map(\.eventID) == ["v"])
        #expect(released[2][0].label == 0)
    }

    @Test func aConversionWithoutExposureIsEmittedOrDropped() {
        let events = [Self.event(.purchase, at: 0, id: "p"), Self.event(.view, item: "j", at: 100, id: "v")]
        let emitted = Self.run(events, Self.configuration(.attribution))
        #expect(emitted[0].map(\.eventID) == ["p"])
        #expect(emitted[0][0].origin == .conversion && emitted[0][0].label == 1 && emitted[0][0].components.samplingWeight == 1)
        var dropping = Self.configuration(.attribution)
        dropping.labels.unattributedConversions = .drop
        var estimator = ImportanceEstimator(configuration: dropping)
        var samples: [WeightedSample] = []
        let release = estimator.release(events[0], into: &samples)
        #expect(samples.isEmpty)
        #expect(release.labels.unattributedConversions == 1)
    }

    @Test func repeatedExposuresAreEachConvertedAndLaterOnesWait() {
        let released = Self.run([
            Self.event(.view, at: 0, id: "v1"),
            Self.event(.click, at: 1000, id: "v2"),
            Self.event(.view, at: 2000, id: "v3"),
            Self.event(.purchase, at: 3000, id: "p"),
            Self.event(.view, at: 3500, id: "v4"),
            Self.event(.view, item: "other", at: 3500 + Self.window + 1, id: "tick"),
        ], Self.configuration(.attribution))
        #expect(released[3].map(\.eventID) == ["v1", "v2", "v3"])
        #expect(released[3].allSatisfy { $0.label == 1 })
        #expect(released[4].isEmpty)
        #expect(released[5].map(\.eventID) == ["v4"], "the view after the purchase waits for a purchase of its own")
        #expect(released[5][0].label == 0)
    }

    @Test func lateExposuresAreNegativeAtOnceWhenTheirWindowClosedAndWaitOtherwise() {
        let released = Self.run([
            Self.event(.view, item: "a", at: 100_000, id: "now"),
            Self.event(.view, item: "b", at: 100_000 - Self.window - 1, id: "closed"),
            Self.event(.view, item: "c", at: 100_000 - Self.window + 5, id: "open"),
            Self.event(.purchase, item: "c", at: 100_000 - 10, id: "p"),
        ], Self.configuration(.attribution))
        #expect(released[1].map(\.eventID) == ["closed"])
        #expect(released[1][0].label == 0 && released[1][0].resolution?.late == true)
        #expect(released[2].isEmpty, "late, but its window is still open under the watermark")
        #expect(released[3].map(\.eventID) == ["open"])
        #expect(released[3][0].label == 1)
    }

    /// A conversion that arrives after the watermark closed its exposure's
    /// window finds nothing waiting: the exposure stays a negative and the
    /// conversion is a sample of its own.
    @Test func aLateConversionDoesNotReopenAClosedExposure() {
        let released = Self.run([
            Self.event(.view, at: 0, id: "v"),
            Self.event(.view, item: "other", at: Self.window + 1000, id: "tick"),
            Self.event(.purchase, at: 500, id: "late-p"),
        ], Self.configuration(.attribution))
        #expect(released[1].map(\.eventID) == ["v"])
        #expect(released[1][0].label == 0)
        #expect(released[2].map(\.eventID) == ["late-p"])
        #expect(released[2][0].origin == .conversion && released[2][0].label == 1)
    }

    @Test func pastTheBoundTheEarliestDeadlineIsReleasedEarlyAndCounted() {
        var estimator = ImportanceEstimator(configuration: Self.configuration(.attribution, maxPending: 2))
        var samples: [WeightedSample] = []
        var early = 0
        for (index, item) in ["a", "b", "c", "d"].enumerated() {
            early += estimator.release(Self.event(.view, item: item, at: Int64(index), id: item), into: &samples).labels.releasedEarly
        }
        #expect(early == 2)
        #expect(samples.map(\.eventID) == ["a", "b"])
        #expect(samples.allSatisfy { $0.label == 0 && $0.resolution?.early == true })
        #expect(estimator.pendingExposures == 2)
    }

    @Test func fakeNegativeEmitsAtOnceAndAddsAWeightedDuplicate() throws {
        let released = Self.run([
            Self.event(.view, at: 0, id: "v"),
            Self.event(.purchase, at: 500, id: "p"),
        ], Self.configuration(.fakeNegative))
        let negative = try #require(released[0].first)
        let p = try #require(negative.resolution?.conversionScore)
        #expect(negative.label == 0 && negative.origin == .exposure)
        #expect(abs(negative.components.delayedFeedback - (1 - p) * (1 + p)) < 1e-12)
        #expect(abs(negative.weight - negative.components.objective * negative.components.samplingWeight * (1 - p) * (1 + p)) < 1e-12)
        let duplicate = try #require(released[1].first)
        #expect(released[1].count == 1)
        #expect(duplicate.eventID == "v" && duplicate.label == 1 && duplicate.origin == .convertedDuplicate)
        #expect(duplicate.resolution?.conversionScore == p)
        #expect(abs(duplicate.components.delayedFeedback - (1 + p)) < 1e-12)
    }

    /// One item converts 30 % of its exposures. The fake-negative stream
    /// labels only p/(1+p) ≈ 23 % of its samples 1, but with Ktena's weights
    /// the weighted positive share comes back to the true rate, because the
    /// conversion model's p learns it.
    @Test func fakeNegativeWeightsRecoverTheTrueConversionRate() {
        var configuration = Self.configuration(.fakeNegative)
        configuration.useExpertWeights = false
        configuration.useClassBalance = false
        configuration.usePopularityDebiasing = false
        configuration.useUserDamping = false
        configuration.features.fields = [.item]
        configuration.features.crosses = []
        var estimator = ImportanceEstimator(configuration: configuration)
        var generator = SplitMix64(seed: 3)
        var samples: [WeightedSample] = []
        for index in 0..<40_000 {
            let time = Int64(index) * 1000
            let user = "u\(index)"
            _ = estimator.release(Self.event(.view, user: user, item: "A", at: time, id: "v\(index)"), into: &samples)
            if Double(generator.next() >> 11) * 0x1.0p-53 < 0.3 {
                _ = estimator.release(Self.event(.purchase, user: user, item: "A", at: time + 500, id: "p\(index)"), into: &samples)
            }
        }
        let measured = samples.suffix(from: samples.count / 2)
        let rawRate = Double(measured.filter { $0.label == 1 }.count) / Double(measured.count)
        let positiveWeight = measured.filter { $0.label == 1 }.map(\.components.delayedFeedback).reduce(0, +)
        let totalWeight = measured.map(\.components.delayedFeedback).reduce(0, +)
        #expect(abs(rawRate - 0.3 / 1.3) < 0.02, "raw positive share \(rawRate)")
        #expect(abs(positiveWeight / totalWeight - 0.3) < 0.02, "weighted positive share \(positiveWeight / totalWeight)")
    }

    /// Split a stream at every checkpoint-like point, restore, continue: the
    /// samples equal the uninterrupted run's, for each policy, with negatives.
    @Test(arguments: [LabelPolicy.perEvent, .attribution, .fakeNegative])
    func restoringMidWindowGivesTheUninterruptedOutput(policy: LabelPolicy) throws {
        var configuration = Self.configuration(policy, maxPending: 300)
        configuration.labels.window = .seconds(600)
        configuration.negatives.perPositive = 2
        configuration.negatives.rebuildEveryEvents = 500
        configuration.samplingEnabled = true
        let events = Array(SyntheticEventStream(configuration: .init(users: 50, items: 80, categories: 5, seed: 9)).prefix(6000))
        let uninterrupted = Self.run(events, configuration).flatMap { $0 }
        #expect(uninterrupted.contains { $0.origin == .sampledNegative })
        if policy != .perEvent { #expect(uninterrupted.contains { $0.resolution?.conversionTimestamp != nil }) }

        var restarted: [WeightedSample] = []
        var estimator = ImportanceEstimator(configuration: configuration)
        for (index, event) in events.enumerated() {
            if index % 1237 == 611 {
                estimator = try ImportanceEstimator(configuration: configuration, restoring: estimator.encodedState())
            }
            _ = estimator.release(event, into: &restarted)
        }
        #expect(restarted == uninterrupted)
    }

    @Test func aCheckpointOfAnotherPolicyIsRefused() {
        var estimator = ImportanceEstimator(configuration: Self.configuration(.attribution))
        var samples: [WeightedSample] = []
        _ = estimator.release(Self.event(.view, at: 0, id: "v"), into: &samples)
        #expect(throws: StateDecodingError.self) {
            try ImportanceEstimator(configuration: Self.configuration(.fakeNegative), restoring: estimator.encodedState())
        }
    }
}
