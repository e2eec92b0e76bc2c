import Foundation
import SalienceCore
import SalienceDatasets
import SalienceTestSupport
import Testing

@Suite(.ownThreads) struct FrequencyTests {
    /// Count-min on a Zipf(1.1) stream of 1 M events: estimates never below the
    /// truth, and within ε·N of it for at least 1 − δ of the ids.
    @Test func countMinErrorStaysWithinEpsilonN() {
        let epsilon = 0.001
        let delta = 0.01
        var sketch = DecayedCountMinSketch(epsilon: epsilon, delta: delta, halfLife: nil, seed: 99)
        let sampler = ZipfSampler(count: 200_000, exponent: 1.1)
        var generator = SplitMix64(seed: 2024)
        var exact = [Int: Double]()
        let total = 1_000_000
        for _ in 0..<total {
            let rank = sampler.next(using: &generator)
            exact[rank, default: 0] += 1
            sketch.add(UInt64(rank), at: 0, readAt: 0)
        }
        var withinBound = 0
        for (rank, count) in exact {
            let estimate = sketch.estimate(UInt64(rank), at: 0)
            #expect(estimate >= count, "a count-min estimate never undercounts")
            if estimate - count <= epsilon * Double(total) { withinBound += 1 }
        }
        #expect(Double(withinBound) / Double(exact.count) >= 1 - delta)
        // Memory is at most what (ε, δ) configure: depth ⌈ln(1/δ)⌉ × width 2^⌈log2(e/ε)⌉ doubles,
        // and a bit per cell marking those changed since the last checkpoint.
        #expect(sketch.depth == 5)
        #expect(sketch.width == 4096)
        #expect(sketch.memoryBytes == 5 * 4096 * 8 + 5 * 4096 / 8)
    }

    /// Memory grows with the cells written, up to the configured
    /// `depth × width` doubles (and a changed-since-checkpoint bit per cell),
    /// and then no further however many ids come.
    @Test func sketchMemoryIsBoundedByItsConfiguration() {
        var sketch = DecayedCountMinSketch(epsilon: 0.01, delta: 0.05, halfLife: .seconds(60), seed: 1)
        #expect(sketch.memoryBytes == 0)
        for key in UInt64(0)..<20 { sketch.add(key, at: Double(key), readAt: Double(key)) }
        let few = sketch.memoryBytes
        let configured = sketch.depth * sketch.width * (MemoryLayout<Double>.stride + 1) - sketch.depth * sketch.width * 7 / 8
        #expect(few > 0 && few < configured, "\(few) bytes for 20 ids")
        for key in UInt64(20)..<100_000 { sketch.add(key, at: Double(key), readAt: Double(key)) }
        #expect(sketch.memoryBytes == configured)
        for key in UInt64(100_000)..<200_000 { sketch.add(key, at: Double(key), readAt: Double(key)) }
        #expect(sketch.memoryBytes == configured)
    }

    /// A stationary Zipf stream: the 100 most frequent items' q = exp(log q)
    /// lies within 10% of their true probability. The rate 0.001 averages about
    /// the last thousand gaps once warmed up.
    @Test func logQEstimatesTheSamplingProbabilityOfFrequentItems() {
        let sampler = ZipfSampler(count: 1000, exponent: 1.0)
        var estimator = LogQEstimator(bucketBits: 20, rate: 0.001, seed: 5)
        var generator = SplitMix64(seed: 77)
        for _ in 0..<2_000_000 {
            _ = estimator.observe(UInt64(sampler.next(using: &generator)))
        }
        var normaliser = 0.0
        for rank in 1...1000 { normaliser += 1 / Double(rank) }
        for rank in 1...100 {
            let truth = 1 / Double(rank) / normaliser
            let estimate = exp(estimator.logQ(UInt64(rank)))
            #expect(abs(estimate - truth) / truth < 0.10, "rank \(rank): q \(estimate) vs \(truth)")
        }
    }
}
