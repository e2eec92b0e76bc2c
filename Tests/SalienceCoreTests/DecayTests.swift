import Foundation
import SalienceCore
import SalienceTestSupport
import Testing

@Suite(.ownThreads) struct DecayTests {
    /// Statistics sharing one event's decay values end exactly where
    /// statistics computing their own do, including across landmark rescales
    /// (ten years at a one-hour half-life) and when a shared value was made
    /// for another half-life.
    @Test func sharedDecayValuesChangeNothing() {
        var generator = SplitMix64(seed: 11)
        let hour = Duration.seconds(3600)
        var alone = (DecayedCountMinSketch(epsilon: 0.01, delta: 0.01, halfLife: hour, seed: 1),
                     DecayedCountMinSketch(epsilon: 0.01, delta: 0.01, halfLife: hour, seed: 2),
                     DecayedMean(halfLife: hour), DecayedMean(halfLife: .seconds(60)))
        var shared = alone
        var time = 1_500_000_000.0
        for _ in 0..<20_000 {
            time += generator.nextUnit() * 20_000
            let key = generator.next() % 500
            var values: [Double] = [alone.0.add(key, at: time, readAt: time), alone.1.add(key &+ 1, at: time, readAt: time)]
            alone.2.add(values[0], at: time)
            alone.3.add(values[1], at: time)
            var decay = SharedDecay()
            values.append(shared.0.add(key, at: time, readAt: time, sharing: &decay))
            values.append(shared.1.add(key &+ 1, at: time, readAt: time, sharing: &decay))
            shared.2.add(values[2], at: time, sharing: &decay)
            shared.3.add(values[3], at: time, sharing: &decay)
            #expect(values[0].bitPattern == values[2].bitPattern && values[1].bitPattern == values[3].bitPattern)
        }
        #expect(shared.0 == alone.0 && shared.1 == alone.1 && shared.2 == alone.2 && shared.3 == alone.3)
        #expect(shared.2.mean != nil && shared.3.mean != nil)
    }

    @Test func aCountHalvesAfterOneHalfLife() {
        var sum = DecayedSum(halfLife: .seconds(3600))
        sum.add(1, at: 1_000_000)
        let value = sum.value(at: 1_000_000 + 3600)
        #expect(abs(value - 0.5) / 0.5 < 1e-9)
        #expect(abs(sum.value(at: 1_000_000 + 7200) - 0.25) / 0.25 < 1e-9)
    }

    @Test func shufflingAWindowGivesTheSameState() {
        var generator = SplitMix64(seed: 7)
        let times = (0..<5000).map { _ in 1_500_000_000 + Double.random(in: 0..<86_400, using: &generator) }
        var shuffled = times
        shuffled.shuffle(using: &generator)
        var inOrder = DecayedSum(halfLife: .seconds(600))
        var outOfOrder = DecayedSum(halfLife: .seconds(600))
        var sketchInOrder = DecayedCountMinSketch(epsilon: 0.01, delta: 0.01, halfLife: .seconds(600), seed: 1)
        var sketchShuffled = DecayedCountMinSketch(epsilon: 0.01, delta: 0.01, halfLife: .seconds(600), seed: 1)
        for (index, time) in times.sorted().enumerated() {
            inOrder.add(1, at: time)
            sketchInOrder.add(UInt64(index % 17), at: time, readAt: time)
        }
        let order = times.sorted()
        for time in shuffled {
            outOfOrder.add(1, at: time)
            let index = order.firstIndex(of: time)!
            sketchShuffled.add(UInt64(index % 17), at: time, readAt: time)
        }
        let end = 1_500_000_000 + 86_400.0
        let expected = inOrder.value(at: end)
        #expect(abs(outOfOrder.value(at: end) - expected) / expected < 1e-9)
        for key in UInt64(0)..<17 {
            let a = sketchInOrder.estimate(key, at: end)
            let b = sketchShuffled.estimate(key, at: end)
            #expect(abs(a - b) / max(a, 1e-300) < 1e-9, "key \(key)")
        }
    }

    /// One event an hour for ten years at a one-hour half-life: the sum is the
    /// geometric series 1 + 1/2 + 1/4 + … , so it must read 2·(1 − 2^−n) exactly.
    @Test func tenYearsAtAOneHourHalfLifeNeitherOverflowNorLosePrecision() {
        var sum = DecayedSum(halfLife: .seconds(3600))
        let start = 1_262_304_000.0
        let hours = 10 * 365 * 24
        for hour in 0..<hours {
            sum.add(1, at: start + Double(hour) * 3600)
        }
        let last = start + Double(hours - 1) * 3600
        let value = sum.value(at: last)
        #expect(value.isFinite)
        #expect(abs(value - 2) / 2 < 1e-9)
        #expect(sum.decay.landmark > start, "the landmark moved forward")
        // A far-late event adds (almost) nothing instead of overflowing.
        sum.add(1, at: start)
        #expect(abs(sum.value(at: last) - 2) / 2 < 1e-9)
    }

    @Test func noDecayCountsExactly() {
        var sum = DecayedSum(halfLife: nil)
        for time in stride(from: 0.0, to: 1e9, by: 1e6) { sum.add(1, at: time) }
        #expect(sum.value(at: 1e12) == 1000)
    }

    @Test func decayedMeanWeighsRecentValuesMore() {
        var mean = DecayedMean(halfLife: .seconds(10))
        mean.add(0, at: 0)
        mean.add(1, at: 10)
        // Weights 1/2 and 1 at the later time: (0·½ + 1·1)/(½ + 1) = 2/3.
        #expect(abs(mean.mean! - 2.0 / 3.0) < 1e-12)
    }
}
