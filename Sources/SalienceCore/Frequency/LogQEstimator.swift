import Foundation

/// Streaming estimate of each item's sampling probability for log-Q
/// correction (Yi et al., "Sampling-Bias-Corrected Neural Modeling for Large
/// Corpus Item Recommendations", RecSys 2019).
///
/// Per hashed item bucket it keeps the step at which the item was last seen
/// and a moving average of the gap between sightings; `q ≈ 1/gap`. The
/// average is a running mean for a bucket's first `1/rate` gaps and an
/// exponential moving average with `rate` after that, so it converges fast and
/// then follows drift.
public struct LogQEstimator: Sendable, Equatable {
    /// Number of buckets (a power of two).
    public let buckets: Int
    /// The moving average's rate once warmed up.
    public let rate: Double
    private let seed: UInt64
    private var step: Int64 = 0
    private var lastSeen: [Int64]
    private var meanGap: [Double]
    private var gapsSeen: [UInt32]

    public init(bucketBits: Int, rate: Double, seed: UInt64) {
        precondition((4...30).contains(bucketBits), "log-Q bucket bits must lie in 4...30")
        precondition(rate > 0 && rate <= 1, "log-Q rate must lie in (0, 1]")
        buckets = 1 << bucketBits
        self.rate = rate
        self.seed = seed
        lastSeen = [Int64](repeating: -1, count: buckets)
        meanGap = [Double](repeating: 0, count: buckets)
        gapsSeen = [UInt32](repeating: 0, count: buckets)
    }

    /// Bytes held by the arrays.
    public var memoryBytes: Int { buckets * (8 + 8 + 4) }

    /// Records a sighting of the item with hash `key` and returns `log q` for
    /// it. Before a second sighting, the gap is taken as the steps so far.
    public mutating func observe(_ key: UInt64) -> Double {
        step += 1
        let bucket = self.bucket(key)
        let previous = lastSeen[bucket]
        lastSeen[bucket] = step
        if previous >= 0 {
            let gap = Double(step - previous)
            let seen = gapsSeen[bucket] &+ 1
            gapsSeen[bucket] = seen == 0 ? UInt32.max : seen
            let weight = max(rate, 1 / Double(seen))
            meanGap[bucket] += weight * (gap - meanGap[bucket])
        }
        let gap = gapsSeen[bucket] > 0 ? meanGap[bucket] : Double(step)
        return -log(max(gap, 1))
    }

    /// The current `log q` of the item with hash `key` without recording a sighting.
    public func logQ(_ key: UInt64) -> Double {
        let bucket = self.bucket(key)
        let gap = gapsSeen[bucket] > 0 ? meanGap[bucket] : Double(max(step, 1))
        return -log(max(gap, 1))
    }

    @inline(__always)
    private func bucket(_ key: UInt64) -> Int {
        Int(truncatingIfNeeded: XXHash64.hash(key, seed: seed)) & (buckets - 1)
    }
}

extension LogQEstimator: BinaryCodable {
    public func encode(to writer: inout BinaryWriter) {
        writer.write(Int64(buckets))
        writer.write(rate)
        writer.write(seed)
        writer.write(step)
        writer.write(lastSeen)
        writer.write(meanGap)
        writer.write(gapsSeen)
    }

    public init(from reader: inout BinaryReader) throws {
        buckets = try reader.read(Int.self)
        rate = try reader.read(Double.self)
        seed = try reader.read(UInt64.self)
        step = try reader.read(Int64.self)
        lastSeen = try reader.read([Int64].self)
        meanGap = try reader.read([Double].self)
        gapsSeen = try reader.read([UInt32].self)
        guard buckets > 0, buckets & (buckets - 1) == 0,
              lastSeen.count == buckets, meanGap.count == buckets, gapsSeen.count == buckets
        else {
            throw StateDecodingError(.malformed, "log-Q arrays do not match \(buckets) buckets")
        }
    }
}
