@testable import SalienceCore
import Foundation
import SalienceTestSupport
import Testing

@Suite(.ownThreads) struct KeepRateControllerTests {
    /// Log-normal scores of mean about 1 and a heavy right tail: at a target
    /// of 0.5 a fixed `clamp(rate × score)` clamps a large share at 1.
    static func skewedScores(_ count: Int, sigma: Double, seed: UInt64 = 7) -> [Double] {
        var random = SplitMix64(seed: seed)
        return (0..<count).map { _ in
            let u1 = max(random.nextUnit(), 1e-300), u2 = random.nextUnit()
            let normal = (-2 * log(u1)).squareRoot() * cos(2 * Double.pi * u2)
            return exp(sigma * normal - sigma * sigma / 2)
        }
    }

    /// Keep probabilities of `scores`, one second apart.
    static func probabilities(_ scores: [Double], target: Double, minimum: Double = 0.01) -> [Double] {
        var controller = KeepRateController(target: target, minimum: minimum, halfLife: .seconds(3600))
        return scores.enumerated().map { index, score in
            var shared = SharedDecay()
            return controller.keepProbability(score: score, at: Double(index), sharing: &shared)
        }
    }

    @Test(arguments: [0.02, 0.1, 0.25, 0.5, 0.9])
    func theMeanKeepProbabilityIsTheTargetOnSkewedScores(target: Double) {
        let scores = Self.skewedScores(60_000, sigma: 1.5)
        let kept = Self.probabilities(scores, target: target)
        let settled = kept[5_000...]
        let mean = settled.reduce(0, +) / Double(settled.count)
        #expect(abs(mean - target) / target < 0.01, "mean keep probability \(mean) for target \(target)")
        // What the fixed rule keeps on the same scores: less, since high scores clamp at 1.
        let fixed = scores.map { min(1, max(0.01, target * $0)) }.reduce(0, +) / Double(scores.count)
        if target >= 0.25 { #expect(fixed < target * 0.9, "the fixed rule keeps \(fixed) for \(target)") }
    }

    @Test func itFollowsScoresThatDriftInEventTime() {
        // Scores ten times larger after an hour (six half-lives): four and a
        // half half-lives later the fraction kept is back at the target.
        let scores = Self.skewedScores(40_000, sigma: 1.0).enumerated().map { $0 < 20_000 ? $1 : $1 * 10 }
        var controller = KeepRateController(target: 0.25, minimum: 0.01, halfLife: .seconds(600))
        var late: [Double] = []
        for (index, score) in scores.enumerated() {
            var shared = SharedDecay()
            let probability = controller.keepProbability(score: score, at: Double(index) * 0.18, sharing: &shared)
            if index >= 35_000 { late.append(probability) }
        }
        let mean = late.reduce(0, +) / Double(late.count)
        #expect(abs(mean - 0.25) < 0.01, "mean keep probability after the drift: \(mean)")
        #expect(abs(controller.windowRate - 0.25) < 1e-6)
        // The decayed mean of the probabilities given still holds a little of
        // the burst right after the shift, when the larger scores were kept surely.
        #expect(abs(controller.achievedRate - 0.25) < 0.03)
    }

    @Test func aTargetOfOneKeepsEveryEvent() {
        #expect(Self.probabilities(Self.skewedScores(1_000, sigma: 2), target: 1).allSatisfy { $0 == 1 })
    }

    @Test func everyProbabilityRespectsTheMinimumAndOne() {
        let kept = Self.probabilities(Self.skewedScores(20_000, sigma: 3) + [0, 0, 1e-30, 1e30], target: 0.2, minimum: 0.05)
        #expect(kept.allSatisfy { $0 >= 0.05 && $0 <= 1 })
    }

    @Test func bucketsOrderScoresAndContainThem() {
        var previous = 0
        for exponent in stride(from: -20.0, through: 20.0, by: 0.01) {
            let score = exp2(exponent)
            let bucket = KeepRateController.bucket(of: score)
            #expect(bucket >= previous)
            #expect(KeepRateController.lowerBounds[bucket] <= score && score < KeepRateController.lowerBounds[bucket + 1])
            previous = bucket
        }
        #expect(KeepRateController.bucket(of: 0) == 0)
        #expect(KeepRateController.bucket(of: .infinity) == KeepRateController.bucketCount - 1)
    }

    @Test func theControllerIsRestoredExactlyAndRefusesNonFiniteValues() throws {
        var controller = KeepRateController(target: 0.3, minimum: 0.01, halfLife: .seconds(60))
        var shared = SharedDecay()
        for (index, score) in Self.skewedScores(3_000, sigma: 1).enumerated() {
            _ = controller.keepProbability(score: score, at: Double(index), sharing: &shared)
        }
        var writer = BinaryWriter()
        controller.encode(to: &writer)
        var reader = BinaryReader(writer.bytes)
        #expect(try KeepRateController(from: &reader) == controller)

        var corrupted = writer.bytes
        // The scale is the fourth field, after target, minimum and the decay.
        let scaleOffset = 16 + 17
        withUnsafeBytes(of: Double.nan.bitPattern.littleEndian) { corrupted.replaceSubrange(scaleOffset..<scaleOffset + 8, with: $0) }
        var corruptedReader = BinaryReader(corrupted)
        #expect(throws: StateDecodingError.self) { try KeepRateController(from: &corruptedReader) }
    }

    @Test func theEstimatorKeepsTheTargetFractionOfARealisticStream() {
        for target in [0.1, 0.5] {
            var configuration = smallConfiguration()
            configuration.samplingEnabled = true
            configuration.samplingTargetRate = target
            var estimator = ImportanceEstimator(configuration: configuration)
            let events = syntheticEvents(60_000)
            var kept = 0
            var expected = 0.0
            for event in events {
                let result = estimator.process(event)
                if result.kept { kept += 1 }
                expected += result.sample.components.keepProbability
            }
            // Over recent scores the mean keep probability is the target; over
            // the stream it is within 3 %, the model's scores shifting as it
            // learns (the window is the one-hour normaliser half-life, longer
            // than this stream); the kept count is within four standard
            // deviations of its sum (a Bernoulli draw per event).
            let mean = expected / Double(events.count)
            #expect(abs(mean - target) / target < 0.03, "mean keep probability \(mean) at target \(target)")
            let deviation = (expected * (1 - target)).squareRoot()
            #expect(abs(Double(kept) - expected) < 4 * deviation, "kept \(kept), expected \(expected)")
            #expect(abs(estimator.achievedKeepRate - target) / target < 0.03)
        }
    }

    @Test func aMinimumAboveTheTargetIsAConfigurationError() {
        var configuration = EstimatorConfiguration()
        configuration.samplingEnabled = true
        configuration.samplingTargetRate = 0.05
        configuration.minimumKeepProbability = 0.1
        #expect(configuration.validationErrors().contains { $0.contains("sampling.min_keep_probability") && $0.contains("target_rate") })
        configuration.samplingEnabled = false
        #expect(configuration.validationErrors().isEmpty)
    }
}

extension KeepRateControllerTests {
    @Test func samplingContinuesIdenticallyAfterARestoreMidStream() throws {
        var configuration = smallConfiguration()
        configuration.samplingEnabled = true
        configuration.samplingTargetRate = 0.2
        let events = syntheticEvents(12_000)
        var uninterrupted = ImportanceEstimator(configuration: configuration)
        let expected = events.map { uninterrupted.process($0) }
        var before = ImportanceEstimator(configuration: configuration)
        let head = events[..<5_000].map { before.process($0) }
        var after = try ImportanceEstimator(configuration: configuration, restoring: before.encodedState())
        let tail = events[5_000...].map { after.process($0) }
        #expect(head + tail == expected)
        #expect(after.encodedState() == uninterrupted.encodedState())
    }
}

extension KeepRateControllerTests {
    @Test func aFullUniformMixKeepsEveryEventWithTheTargetRate() {
        var configuration = smallConfiguration()
        configuration.samplingEnabled = true
        configuration.samplingTargetRate = 0.2
        configuration.samplingUniformMix = 1
        var estimator = ImportanceEstimator(configuration: configuration)
        let probabilities = syntheticEvents(5_000).map { estimator.process($0).sample.components.keepProbability }
        #expect(probabilities.allSatisfy { abs($0 - 0.2) < 1e-12 })
        // Half mixed: the spread of keep probabilities narrows against no mix.
        func spread(_ mix: Double) -> Double {
            var configuration = configuration
            configuration.samplingUniformMix = mix
            var estimator = ImportanceEstimator(configuration: configuration)
            let values = syntheticEvents(5_000).map { estimator.process($0).sample.components.keepProbability }
            let mean = values.reduce(0, +) / Double(values.count)
            return values.reduce(0) { $0 + ($1 - mean) * ($1 - mean) } / Double(values.count)
        }
        #expect(spread(0.5) < spread(0))
    }
}
