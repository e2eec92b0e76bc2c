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
    /// One entry per bucket seen so far, so a sighting touches one cache line.
    private var entries: SlotTable<Bucket>

    /// When a bucket was last seen (a step below 2⁴⁸, in two parts; −1
    /// never), its moving average gap (`Float`: computed in `Double`,
    /// rounded once when stored) and how many gaps it has averaged, up to
    /// ``gapsSeenLimit``: 12 bytes.
    struct Bucket: SlotValue {
        private var lastSeenLow: UInt32 = .max
        private var lastSeenHigh: UInt16 = .max
        var gapsSeen: UInt16 = 0
        var meanGap: Float = 0
        static var empty: Bucket { Bucket() }

        init() {}

        init(lastSeen: Int64, meanGap: Float, gapsSeen: UInt16) {
            self.lastSeen = lastSeen
            self.meanGap = meanGap
            self.gapsSeen = gapsSeen
        }

        var lastSeen: Int64 {
            get {
                lastSeenHigh == .max && lastSeenLow == .max ? -1 : Int64(lastSeenHigh) << 32 | Int64(lastSeenLow)
            }
            set {
                lastSeenLow = UInt32(truncatingIfNeeded: newValue)
                lastSeenHigh = UInt16(truncatingIfNeeded: newValue >> 32)
            }
        }
    }

    /// The count of gaps a bucket keeps: past `1/rate` gaps (at most this,
    /// as ``EstimatorConfiguration`` requires `rate ≥ 1/gapsSeenLimit`) the
    /// average moves at `rate` and the count no longer matters.
    public static let gapsSeenLimit = Int(UInt16.max)

    /// Steps a partition may count: a bucket's last sighting is kept in 48 bits.
    public static let stepLimit: Int64 = 1 << 48 - 2

    public init(bucketBits: Int, rate: Double, seed: UInt64) {
        precondition((4...30).contains(bucketBits), "log-Q bucket bits must lie in 4...30")
        precondition(rate >= 1 / Double(Self.gapsSeenLimit) && rate <= 1, "log-Q rate must lie in [1/65535, 1]")
        buckets = 1 << bucketBits
        self.rate = rate
        self.seed = seed
        entries = SlotTable(capacity: buckets)
    }

    /// Bytes held by the buckets (growing with the buckets seen, up to 16 bytes each).
    public var memoryBytes: Int { entries.memoryBytes }

    /// Records a sighting of the item with hash `key` and returns `log q` for
    /// it. Before a second sighting, the gap is taken as the steps so far.
    public mutating func observe(_ key: UInt64) -> Double {
        step = min(step + 1, Self.stepLimit)
        let step = self.step
        let rate = self.rate
        entries.reserve(1)
        let index = entries.insert(bucket(key))
        return entries.withValues { (entries: UnsafeMutableBufferPointer<Bucket>) in
            var entry = entries[index]
            if entry.lastSeen >= 0 {
                let gap = Double(step - entry.lastSeen)
                entry.gapsSeen = entry.gapsSeen == .max ? .max : entry.gapsSeen + 1
                // From `1/rate` gaps on (at most 65,535) the weight is `rate`.
                let weight = max(rate, 1 / Double(entry.gapsSeen))
                let meanGap = Double(entry.meanGap)
                entry.meanGap = Float(meanGap + weight * (gap - meanGap))
            }
            entry.lastSeen = step
            entries[index] = entry
            return -PortableMath.log(max(entry.gapsSeen > 0 ? Double(entry.meanGap) : Double(step), 1))
        }
    }

    /// Starts loading the bucket of the item with hash `key`, so that an
    /// ``observe(_:)`` soon after finds it in cache.
    public func prefetch(_ key: UInt64) {
        entries.prefetch(bucket(key))
    }

    /// The current `log q` of the item with hash `key` without recording a sighting.
    public func logQ(_ key: UInt64) -> Double {
        let entry = entries[bucket(key)]
        let gap = entry.gapsSeen > 0 ? Double(entry.meanGap) : Double(max(step, 1))
        return -PortableMath.log(max(gap, 1))
    }

    @inline(__always)
    private func bucket(_ key: UInt64) -> Int {
        Int(truncatingIfNeeded: HashScheme.mix(key, seed: seed)) & (buckets - 1)
    }
}

extension LogQEstimator: BinaryCodable {
    public func encode(to writer: inout BinaryWriter) {
        writer.write(Int64(buckets))
        writer.write(rate)
        writer.write(seed)
        writer.write(step)
        // When last seen as the steps since (small for the buckets a change set holds), and the count, as varints.
        let step = self.step
        entries.encode(to: &writer) { bucket, writer in
            writer.writeVarint(UInt64(step - bucket.lastSeen))
            writer.write(bucket.meanGap)
            writer.writeVarint(UInt64(bucket.gapsSeen))
        }
    }

    public init(from reader: inout BinaryReader) throws {
        buckets = try reader.read(Int.self)
        rate = try reader.read(Double.self)
        seed = try reader.read(UInt64.self)
        let step = try reader.read(Int64.self)
        guard step >= 0, step <= Self.stepLimit else { throw StateDecodingError(.malformed, "log-Q step \(step) out of range") }
        self.step = step
        entries = try SlotTable(from: &reader, what: "log-Q buckets") { reader in
            let since = try reader.readVarint()
            let meanGap = try reader.read(Float.self)
            let gapsSeen = try reader.readVarint()
            guard since <= UInt64(step) + 1, gapsSeen <= UInt64(Self.gapsSeenLimit) else {
                throw StateDecodingError(.malformed, "log-Q bucket last seen \(since) steps before step \(step), after \(gapsSeen) gaps")
            }
            return Bucket(lastSeen: step - Int64(since), meanGap: meanGap, gapsSeen: UInt16(gapsSeen))
        }
        guard buckets > 0, buckets & (buckets - 1) == 0, entries.capacity == buckets else {
            throw StateDecodingError(.malformed, "log-Q table of \(entries.capacity) buckets where the header says \(buckets)")
        }
    }
}

extension LogQEstimator: SingleTableState {
    var slotTable: SlotTable<Bucket> {
        _read { yield entries }
        _modify { yield &entries }
    }
}
