import Foundation
import SalienceCore

/// A 95 % (or other) interval of a statistic.
public struct ConfidenceInterval: Sendable, Equatable {
    public var lower: Double
    public var upper: Double

    public init(lower: Double, upper: Double) {
        self.lower = lower
        self.upper = upper
    }

    /// Whether the interval lies wholly above `value`.
    public func isAbove(_ value: Double) -> Bool { lower > value }
    /// Whether the interval lies wholly below `value`.
    public func isBelow(_ value: Double) -> Bool { upper < value }
    /// Whether `value` is inside, ends included.
    public func contains(_ value: Double) -> Bool { lower <= value && value <= upper }
}

/// The nonparametric bootstrap over groups of holdout examples (Efron &
/// Tibshirani 1993): each resample draws as many groups as there are, with
/// replacement, and weighs every example by how often its group was drawn.
/// Resampling whole users (or days) keeps their correlated examples
/// together, so the intervals are not too narrow. Seeded: the same holdout,
/// groups and seed give the same resamples, so the variants of one
/// evaluation are compared on the same resamples (paired).
public struct HoldoutBootstrap: Sendable {
    /// What is resampled.
    public enum Unit: String, Sendable, CaseIterable {
        /// Holdout users.
        case user
        /// Holdout days (UTC) of event time.
        case day
    }

    /// How to resample.
    public struct Configuration: Sendable, Equatable {
        /// Resamples. Default: 1,000 (0: no intervals).
        public var resamples: Int
        /// The unit resampled. Default: ``Unit/user``.
        public var unit: Unit
        /// Seed of the draws. Default: `0xB0075_7A9`.
        public var seed: UInt64
        /// Coverage of the intervals. Default: 0.95.
        public var level: Double

        public init(resamples: Int = 1_000, unit: Unit = .user, seed: UInt64 = 0xB0075_7A9, level: Double = 0.95) {
            self.resamples = resamples
            self.unit = unit
            self.seed = seed
            self.level = level
        }
    }

    public let configuration: Configuration
    /// The group of each example, `0 ..< groupCount`.
    private let groups: [Int]
    private let groupCount: Int

    /// A bootstrap over examples whose groups are `keys` (any hashable
    /// value per example: user ids, days), numbered in order of first appearance.
    public init<Key: Hashable>(keys: [Key], configuration: Configuration = Configuration()) {
        precondition(configuration.resamples >= 0 && configuration.level > 0 && configuration.level < 1)
        var numbers: [Key: Int] = [:]
        groups = keys.map { key in
            if let number = numbers[key] { return number }
            numbers[key] = numbers.count
            return numbers.count - 1
        }
        groupCount = numbers.count
        self.configuration = configuration
    }

    /// The groups of holdout events under `unit`.
    public init(events: [BehaviorEvent], configuration: Configuration = Configuration()) {
        switch configuration.unit {
        case .user: self.init(keys: events.map(\.userID), configuration: configuration)
        case .day: self.init(keys: events.map { $0.timestamp / 86_400_000 }, configuration: configuration)
        }
    }

    /// The weight of each example in resample `index`.
    public func weights(ofResample index: Int) -> [Double] {
        // Each resample's generator starts from a mixed seed: SplitMix64
        // streams of seeds a step apart are the same stream shifted by one.
        var seeder = SplitMix64(seed: configuration.seed ^ (UInt64(index) &* 0xD1B5_4A32_D192_ED03))
        var random = SplitMix64(seed: seeder.next())
        var draws = [Double](repeating: 0, count: groupCount)
        for _ in 0..<groupCount { draws[Int(random.next() % UInt64(groupCount))] += 1 }
        return groups.map { draws[$0] }
    }

    /// Each statistic on every resample: `values[statistic][resample]`
    /// (`nil` where a resample leaves a statistic undefined, e.g. an AUC
    /// without positives).
    /// Resamples run on every core the process may use; each resample's
    /// weights depend only on its index, so the values are the same whatever
    /// the cores.
    public func resample(_ statistics: [@Sendable ([Double]) -> Double?]) -> [[Double?]] {
        let resamples = configuration.resamples
        guard resamples > 0 else { return statistics.map { _ in [] } }
        let results = ResampleResults(statistics: statistics.count, resamples: resamples)
        DispatchQueue.concurrentPerform(iterations: resamples) { index in
            let weights = weights(ofResample: index)
            for (statistic, compute) in statistics.enumerated() { results.set(statistic, index, compute(weights)) }
        }
        return results.values
    }

    /// The percentile interval of resampled values, or `nil` when fewer than
    /// half of the resamples define the statistic.
    public func interval(_ values: [Double?]) -> ConfidenceInterval? {
        let defined = values.compactMap { $0 }.sorted()
        guard !defined.isEmpty, defined.count * 2 >= values.count else { return nil }
        let tail = (1 - configuration.level) / 2
        func quantile(_ q: Double) -> Double {
            let position = q * Double(defined.count - 1)
            let below = Int(position.rounded(.down))
            let above = min(below + 1, defined.count - 1)
            return defined[below] + (defined[above] - defined[below]) * (position - Double(below))
        }
        return ConfidenceInterval(lower: quantile(tail), upper: quantile(1 - tail))
    }

    /// The interval of `a − b` on paired resamples.
    public func differenceInterval(_ a: [Double?], _ b: [Double?]) -> ConfidenceInterval? {
        interval(zip(a, b).map { a, b in a.flatMap { a in b.map { a - $0 } } })
    }

    /// The interval of `a / b` on paired resamples.
    public func ratioInterval(_ a: [Double?], _ b: [Double?]) -> ConfidenceInterval? {
        interval(zip(a, b).map { a, b in a.flatMap { a in b.flatMap { $0 != 0 ? a / $0 : nil } } })
    }
}

/// The values of each statistic on each resample, written by the resamples
/// in parallel into one buffer allocated up front: each resample owns its
/// own slots, so no two writes meet and nothing is reallocated meanwhile.
private final class ResampleResults: @unchecked Sendable {
    private let buffer: UnsafeMutableBufferPointer<Double?>
    private let resamples: Int

    init(statistics: Int, resamples: Int) {
        buffer = .allocate(capacity: statistics * resamples)
        buffer.initialize(repeating: nil)
        self.resamples = resamples
    }

    deinit { buffer.deallocate() }

    func set(_ statistic: Int, _ resample: Int, _ value: Double?) {
        buffer[statistic * resamples + resample] = value
    }

    var values: [[Double?]] {
        stride(from: 0, to: buffer.count, by: resamples).map { Array(buffer[$0..<$0 + resamples]) }
    }
}
