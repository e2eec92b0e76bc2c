import SalienceCore
import Synchronization

/// The distribution of one event's weight components, for the histograms
/// `salience_weight{component}`: which components there are, in which order,
/// and the buckets they fall in.
public enum WeightHistogramLayout {
    /// The `component` label of each histogram, in the order a tally keeps them.
    public static let components = ["total", "objective", "expert", "class_balance", "popularity", "user_damping", "gradient_score", "sampling"]
    /// The upper bounds of the buckets, from 1/100 to 100 on a log scale (a
    /// value equal to a bound is in that bucket, as Prometheus' `le` says).
    public static let bounds: [Double] = [0.01, 0.02, 0.05, 0.1, 0.2, 0.5, 1, 2, 5, 10, 20, 50, 100]
    /// Counts per component: one per bound and one above the last.
    static let slots = bounds.count + 1
}

/// One engine thread's weight distribution since it last published: bucket
/// counts and sums per component, kept on that thread without locks and
/// added to ``WeightHistograms`` once per batch — a Prometheus histogram
/// takes a lock and walks its buckets for every value it records, eight
/// times per event here.
struct WeightTally: Equatable {
    /// `counts[component * slots + bucket]`, not cumulative.
    private(set) var counts = [Int](repeating: 0, count: WeightHistogramLayout.components.count * WeightHistogramLayout.slots)
    private(set) var sums = [Double](repeating: 0, count: WeightHistogramLayout.components.count)

    var isEmpty: Bool { counts.allSatisfy { $0 == 0 } }

    /// Tallies one event's weight and components.
    mutating func add(_ sample: WeightedSample) {
        let components = sample.components
        add(sample.weight, component: 0)
        add(components.objective, component: 1)
        add(components.expert, component: 2)
        add(components.classBalance, component: 3)
        add(components.popularity, component: 4)
        add(components.userDamping, component: 5)
        add(components.gradientScore, component: 6)
        add(components.samplingWeight, component: 7)
    }

    /// Tallies one value of the component at index `component` of ``WeightHistogramLayout/components``.
    mutating func add(_ value: Double, component: Int) {
        counts[component * WeightHistogramLayout.slots + Self.bucket(of: value)] += 1
        sums[component] += value
    }

    /// The first bucket whose bound is at least `value`; above every bound (or NaN): the last.
    static func bucket(of value: Double) -> Int {
        let bounds = WeightHistogramLayout.bounds
        var index = 0
        while index < bounds.count, !(value <= bounds[index]) { index += 1 }
        return index
    }

    /// Adds another tally to this one.
    mutating func add(_ other: WeightTally) {
        for index in counts.indices { counts[index] += other.counts[index] }
        for index in sums.indices { sums[index] += other.sums[index] }
    }
}

/// The run's weight histograms, added to by every engine thread once per
/// batch and read by the metrics endpoint (`salience_weight{component}`,
/// rendered by `SalienceOperations`).
public final class WeightHistograms: Sendable {
    /// One component's histogram at a moment.
    public struct Histogram: Equatable, Sendable {
        /// The `component` label.
        public var component: String
        /// Cumulative counts, one per bound of ``WeightHistogramLayout/bounds``:
        /// how many values were at most that bound.
        public var cumulativeCounts: [Int]
        /// The sum of the values.
        public var sum: Double
        /// How many values (the `+Inf` bucket).
        public var count: Int
    }

    private let totals = Mutex(WeightTally())

    /// Empty histograms.
    public init() {}

    func add(_ tally: WeightTally) {
        guard !tally.isEmpty else { return }
        totals.withLock { $0.add(tally) }
    }

    /// Every component's histogram, in ``WeightHistogramLayout/components`` order.
    public var snapshot: [Histogram] {
        let tally = totals.withLock { $0 }
        let slots = WeightHistogramLayout.slots
        return WeightHistogramLayout.components.enumerated().map { component, name in
            var cumulative: [Int] = []
            var running = 0
            for bucket in 0..<slots {
                running += tally.counts[component * slots + bucket]
                if bucket < slots - 1 { cumulative.append(running) }
            }
            return Histogram(component: name, cumulativeCounts: cumulative, sum: tally.sums[component], count: running)
        }
    }
}
