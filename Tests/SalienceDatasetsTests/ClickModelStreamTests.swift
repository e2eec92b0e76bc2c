@testable import SalienceDatasets
import Foundation
import SalienceCore
import SalienceTestSupport
import Testing

@Suite(.ownThreads) struct ClickModelStreamTests {
    static func draws(_ configuration: ClickModelStream.Configuration) -> [ClickModelStream.Draw] {
        Array(ClickModelStream(configuration: configuration))
    }

    /// The AUC of ranking by `probabilities` against `labels` (Mann–Whitney, ties half).
    static func auc(_ probabilities: [Double], _ labels: [Bool]) -> Double {
        let order = probabilities.indices.sorted { probabilities[$0] < probabilities[$1] }
        var rankSum = 0.0, positives = 0.0, start = 0
        while start < order.count {
            var end = start + 1
            while end < order.count, probabilities[order[end]] == probabilities[order[start]] { end += 1 }
            let rank = Double(start + end - 1) / 2 + 1
            for position in start..<end where labels[order[position]] { rankSum += rank; positives += 1 }
            start = end
        }
        let negatives = Double(order.count) - positives
        return (rankSum - positives * (positives + 1) / 2) / (positives * negatives)
    }

    @Test func theSameSeedGivesTheSameEventsAndAnotherSeedOthers() {
        let configuration = ClickModelStream.Configuration(events: 2_000, users: 500, items: 800)
        let first = Self.draws(configuration), second = Self.draws(configuration)
        #expect(first.map(\.event) == second.map(\.event) && first.map(\.probability) == second.map(\.probability))
        var other = configuration
        other.seed = 8
        #expect(Self.draws(other).map(\.event) != first.map(\.event))
        #expect(first.count == 2_000)
        #expect(zip(first, first.dropFirst()).allSatisfy { $0.event.timestamp <= $1.event.timestamp })
    }

    @Test(arguments: [0.0, 0.1])
    func labelsFollowTheTrueProbabilitiesDownTheFunnel(noise: Double) {
        let draws = Self.draws(.init(events: 200_000, users: 20_000, items: 10_000, labelNoise: noise))
        let positives = draws.filter { $0.event.type != .view && !$0.labelIsNoise }
        let observed = draws.filter { $0.event.type != .view }
        // Calibration: positives occur at the mean true probability (binomial σ ≈ 0.0006).
        let meanProbability = draws.map(\.probability).reduce(0, +) / Double(draws.count)
        #expect(abs(Double(observed.count) / Double(draws.count) - meanProbability) < 0.003)
        // The funnel: 70 % of engagements stop at a click, 21 % at a cart, 9 % buy.
        let clicks = Double(positives.filter { $0.event.type == .click }.count) / Double(positives.count)
        let purchases = Double(positives.filter { $0.event.type == .purchase }.count) / Double(positives.count)
        #expect(abs(clicks - 0.7) < 0.02 && abs(purchases - 0.09) < 0.01, "clicks \(clicks), purchases \(purchases)")
        #expect(Set(draws.map(\.event.type)).isSubset(of: [.view, .click, .cart, .purchase]))
    }

    @Test func theTrueAUCComputedTwoWaysAgrees() {
        // Empirically, on the labels drawn; and in expectation from the probabilities alone.
        let draws = Self.draws(.init(events: 200_000, users: 20_000, items: 10_000, seed: 3))
        let probabilities = draws.map(\.probability)
        let labels = draws.map { $0.event.type != .view }
        let empirical = Self.auc(probabilities, labels)
        let expected = Self.expectedAUC(probabilities)
        #expect(abs(empirical - expected) < 0.006, "empirical \(empirical), expected \(expected)")
        #expect(expected > 0.7 && expected < 0.95)
    }

    @Test func labelNoiseLowersTheBestPossibleAUCAndShowsInTheProbabilities() {
        var noisy = ClickModelStream.Configuration(events: 100_000, users: 20_000, items: 10_000, labelNoise: 0.3)
        let clean = Self.draws(.init(events: 100_000, users: 20_000, items: 10_000))
        let withNoise = Self.draws(noisy)
        #expect(zip(clean, withNoise).allSatisfy { abs($1.probability - ($0.probability + (1 - $0.probability) * 0.3)) < 1e-12 })
        // Accidental clicks are clicks, and only views turn into them.
        #expect(zip(clean, withNoise).allSatisfy { !$1.labelIsNoise || ($1.event.type == .click && $0.event.type == .view) })
        #expect(zip(clean, withNoise).allSatisfy { $1.labelIsNoise || $1.event.type == $0.event.type })
        #expect(Self.expectedAUC(withNoise.map(\.probability)) < Self.expectedAUC(clean.map(\.probability)) - 0.05)
        noisy.labelNoise = 1.5
        #expect(noisy.validationErrors().contains { $0.hasPrefix("label_noise") })
    }

    /// `Σ_{i≠j} p_i(1 − p_j)[p_i > p_j] / Σ_{i≠j} p_i(1 − p_j)`, by brute force over sorted values.
    static func expectedAUC(_ p: [Double]) -> Double {
        let sorted = p.sorted()
        var negativesBelow = 0.0, ordered = 0.0
        for value in sorted {
            ordered += value * negativesBelow
            negativesBelow += 1 - value
        }
        let positives = p.reduce(0, +)
        return ordered / (positives * (Double(p.count) - positives) - p.reduce(0) { $0 + $1 * (1 - $1) })
    }
}
