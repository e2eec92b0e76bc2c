import Foundation
import SalienceCore
import SalienceDatasets
import SalienceTestSupport
import Testing

@Suite(.ownThreads) struct NegativeSamplingTests {
    static let start: Int64 = 1_700_000_000_000

    static func configuration(perPositive: Int = 5, rebuildEvery: Int) -> EstimatorConfiguration {
        var configuration = smallConfiguration()
        configuration.negatives.perPositive = perPositive
        configuration.negatives.popularityPower = 0.75
        configuration.negatives.candidates = 500
        configuration.negatives.rebuildEveryEvents = rebuildEvery
        configuration.negatives.popularityHalfLife = .seconds(10 * 365 * 86400)
        configuration.positiveTypes = [.purchase]
        return configuration
    }

    /// 50,000 views of a Zipf(1.1) stream over 200 items build the table;
    /// 20,000 purchases of an item outside it by fresh users draw 100,000
    /// negatives. Their empirical distribution matches count^0.75 /
    /// Σ count^0.75 within 0.02 in total variation, the ten most popular
    /// items within 5 % each, and each negative's log_q is that probability's log.
    @Test func drawsFollowPopularityToThePower() throws {
        let views = 50_000
        var estimator = ImportanceEstimator(configuration: Self.configuration(rebuildEvery: views))
        let zipf = ZipfSampler(count: 200, exponent: 1.1)
        var generator = SplitMix64(seed: 5)
        var counts = [Int](repeating: 0, count: 200)
        var samples: [WeightedSample] = []
        for index in 0..<views {
            let item = zipf.next(using: &generator) - 1
            counts[item] += 1
            _ = estimator.release(BehaviorEvent(userID: "viewer\(index % 300)", itemID: "i\(item)", type: .view,
                                                timestamp: Self.start + Int64(index) * 10), into: &samples)
        }
        samples.removeAll()
        for index in 0..<20_000 {
            _ = estimator.release(BehaviorEvent(userID: "buyer\(index)", itemID: "unlisted", type: .purchase,
                                                timestamp: Self.start + Int64(views + index) * 10, eventID: "p\(index)"), into: &samples)
        }
        let negatives = samples.filter { $0.origin == .sampledNegative }
        #expect(negatives.count == 100_000)
        let powered = counts.map { pow(Double($0), 0.75) }
        let total = powered.reduce(0, +)
        var drawn = [String: Int]()
        for negative in negatives {
            drawn[negative.itemID, default: 0] += 1
            let expected = powered[Int(negative.itemID.dropFirst())!] / total
            #expect(abs(negative.logQ - log(expected)) < 1e-3)
            #expect(negative.negative?.logQ == negative.logQ)
        }
        var distance = 0.0
        for item in 0..<200 {
            let empirical = Double(drawn["i\(item)"] ?? 0) / Double(negatives.count)
            distance += abs(empirical - powered[item] / total) / 2
        }
        #expect(distance < 0.02, "total variation \(distance)")
        for item in counts.indices.sorted(by: { counts[$0] > counts[$1] }).prefix(10) {
            let empirical = Double(drawn["i\(item)"] ?? 0) / Double(negatives.count)
            let expected = powered[item] / total
            #expect(abs(empirical / expected - 1) < 0.05, "item \(item): \(empirical) vs \(expected)")
        }
    }

    @Test func negativesFollowTheirPositiveAndAreDecidedByItsID() throws {
        let configuration = Self.configuration(perPositive: 3, rebuildEvery: 100)
        func run() -> [WeightedSample] {
            var estimator = ImportanceEstimator(configuration: configuration)
            var samples: [WeightedSample] = []
            for index in 0..<100 {
                _ = estimator.release(BehaviorEvent(userID: "v", itemID: "i\(index % 20)", type: .view, timestamp: Self.start + Int64(index)), into: &samples)
            }
            samples.removeAll()
            _ = estimator.release(BehaviorEvent(userID: "b", itemID: "i3", type: .purchase, timestamp: Self.start + 200, eventID: "buy"), into: &samples)
            return samples
        }
        let samples = run()
        #expect(samples.count == 4)
        #expect(samples[0].eventID == "buy" && samples[0].label == 1)
        for (index, negative) in samples.dropFirst().enumerated() {
            #expect(negative.eventID == "buy#neg\(index)")
            #expect(negative.label == 0 && negative.userID == "b" && negative.itemID != "i3")
            #expect(negative.negative == NegativeDraw(index: index, positiveEventID: "buy", logQ: negative.logQ))
            #expect(negative.weight == samples[0].components.samplingWeight)
        }
        #expect(run() == samples)
    }

    /// Before the first rebuild there is no table, so no negatives (counted as skipped).
    @Test func noTableNoNegatives() {
        var estimator = ImportanceEstimator(configuration: Self.configuration(perPositive: 2, rebuildEvery: 1000))
        var samples: [WeightedSample] = []
        let release = estimator.release(BehaviorEvent(userID: "b", itemID: "x", type: .purchase, timestamp: Self.start), into: &samples)
        #expect(samples.count == 1)
        #expect(release.negativesSkipped == 2)
    }

    /// A user's recent items are never drawn for them; once the exclusion
    /// window has passed they can be again.
    @Test func recentInteractionsAreExcluded() {
        var configuration = Self.configuration(perPositive: 20, rebuildEvery: 4)
        configuration.negatives.exclusionWindow = .seconds(60)
        var estimator = ImportanceEstimator(configuration: configuration)
        var samples: [WeightedSample] = []
        for item in ["a", "b", "c", "d"] {
            _ = estimator.release(BehaviorEvent(userID: "other", itemID: item, type: .view, timestamp: Self.start), into: &samples)
        }
        _ = estimator.release(BehaviorEvent(userID: "u", itemID: "a", type: .view, timestamp: Self.start + 1000), into: &samples)
        samples.removeAll()
        _ = estimator.release(BehaviorEvent(userID: "u", itemID: "b", type: .purchase, timestamp: Self.start + 2000, eventID: "p1"), into: &samples)
        let early = samples.filter { $0.origin == .sampledNegative }.map(\.itemID)
        #expect(!early.isEmpty)
        #expect(Set(early).isSubset(of: ["c", "d"]), "a (viewed) and b (bought) are excluded: \(early)")
        samples.removeAll()
        _ = estimator.release(BehaviorEvent(userID: "u", itemID: "b", type: .purchase, timestamp: Self.start + 120_000, eventID: "p2"), into: &samples)
        #expect(samples.contains { $0.origin == .sampledNegative && $0.itemID == "a" }, "a left the exclusion window")
    }
}
