/// One exposure waiting for its label.
struct PendingExposure: Sendable {
    /// Arrival order, unique within a partition.
    var sequence: UInt64
    /// `xxh64` of (user, item).
    var pair: UInt64
    /// Exposure time plus the window, in milliseconds: past it under the watermark the exposure is a negative.
    var deadline: Int64
    /// The exposure's sample as the estimator weighed it.
    var sample: WeightedSample
    /// The estimator's keep decision for it.
    var kept: Bool
    /// fake_negative: the conversion model's prediction at the exposure, and
    /// the features it learns from once the label is known (empty otherwise).
    var conversionScore: Double
    var features: FeatureVector
}

/// The exposures waiting for a conversion: found by pair, released in
/// (deadline, arrival) order. Iteration never depends on hash-table order, so
/// the same inputs release the same exposures in the same order.
struct PendingExposures: Sendable {
    private var live: [UInt64: PendingExposure] = [:]
    /// Sequences of each pair's live exposures, in arrival order.
    private var byPair: [UInt64: [UInt64]] = [:]
    /// A min-heap of (deadline, sequence); entries whose exposure was resolved are skipped when they surface.
    private var heap: [Deadline] = []
    private(set) var nextSequence: UInt64 = 0

    private struct Deadline: Equatable, Comparable {
        var deadline: Int64
        var sequence: UInt64
        static func < (lhs: Self, rhs: Self) -> Bool {
            (lhs.deadline, lhs.sequence) < (rhs.deadline, rhs.sequence)
        }
    }

    init() {}

    var count: Int { live.count }

    /// Adds an exposure, giving it the next sequence number.
    mutating func insert(_ make: (UInt64) -> PendingExposure) {
        let exposure = make(nextSequence)
        nextSequence += 1
        add(exposure)
    }

    /// The pair's live exposures, in arrival order.
    func exposures(ofPair pair: UInt64) -> [PendingExposure] {
        (byPair[pair] ?? []).compactMap { live[$0] }
    }

    /// Whether every waiting exposure satisfies `predicate` (in no particular order).
    func allSatisfy(_ predicate: (PendingExposure) -> Bool) -> Bool {
        live.values.allSatisfy(predicate)
    }

    /// Removes the exposure with this sequence number.
    mutating func remove(_ sequence: UInt64) {
        guard let exposure = live.removeValue(forKey: sequence) else { return }
        // In place: copying the array out of the dictionary would copy it on every removal.
        if let slot = byPair.index(forKey: exposure.pair) {
            byPair.values[slot].removeAll { $0 == sequence }
            if byPair.values[slot].isEmpty { byPair.remove(at: slot) }
        }
        if heap.count > 2 * live.count + 64 { rebuildHeap() }
    }

    /// Removes and returns the exposure with the earliest deadline, if it is
    /// before `bound` (or whatever it is, for `nil`).
    mutating func popEarliest(deadlineBefore bound: Int64?) -> PendingExposure? {
        while let top = heap.first {
            guard let exposure = live[top.sequence] else {
                popHeap()
                continue
            }
            if let bound, top.deadline >= bound { return nil }
            popHeap()
            remove(exposure.sequence)
            return exposure
        }
        return nil
    }

    private mutating func add(_ exposure: PendingExposure) {
        live[exposure.sequence] = exposure
        byPair[exposure.pair, default: []].append(exposure.sequence)
        pushHeap(Deadline(deadline: exposure.deadline, sequence: exposure.sequence))
    }

    private mutating func rebuildHeap() {
        heap = live.values.map { Deadline(deadline: $0.deadline, sequence: $0.sequence) }.sorted()
    }

    private mutating func pushHeap(_ entry: Deadline) {
        heap.append(entry)
        var child = heap.count - 1
        while child > 0 {
            let parent = (child - 1) / 2
            guard heap[child] < heap[parent] else { break }
            heap.swapAt(child, parent)
            child = parent
        }
    }

    private mutating func popHeap() {
        heap.swapAt(0, heap.count - 1)
        heap.removeLast()
        var parent = 0
        while true {
            let left = 2 * parent + 1
            let right = left + 1
            var smallest = parent
            if left < heap.count, heap[left] < heap[smallest] { smallest = left }
            if right < heap.count, heap[right] < heap[smallest] { smallest = right }
            if smallest == parent { return }
            heap.swapAt(parent, smallest)
            parent = smallest
        }
    }
}

extension PendingExposures: BinaryCodable {
    func encode(to writer: inout BinaryWriter) {
        writer.write(nextSequence)
        writer.write(live.count)
        for sequence in live.keys.sorted() {
            let exposure = live[sequence]!
            writer.write(exposure.sequence)
            writer.write(exposure.pair)
            writer.write(exposure.deadline)
            writer.write(exposure.sample)
            writer.write(exposure.kept)
            writer.write(exposure.conversionScore)
            writer.write(exposure.features.indices.map(Int64.init))
            writer.write(exposure.features.values)
        }
    }

    init(from reader: inout BinaryReader) throws {
        nextSequence = try reader.read(UInt64.self)
        let count = try reader.read(Int.self)
        guard count >= 0, count <= reader.remaining else {
            throw StateDecodingError(.malformed, "\(count) pending exposures cannot fit in \(reader.remaining) bytes")
        }
        for _ in 0..<count {
            let exposure = PendingExposure(
                sequence: try reader.read(UInt64.self),
                pair: try reader.read(UInt64.self),
                deadline: try reader.read(Int64.self),
                sample: try reader.read(WeightedSample.self),
                kept: try reader.read(Bool.self),
                conversionScore: try reader.read(Double.self),
                features: FeatureVector(indices: try reader.read([Int64].self).map { Int($0) }, values: try reader.read([Double].self))
            )
            guard exposure.sequence < nextSequence, live[exposure.sequence] == nil,
                  exposure.features.indices.count == exposure.features.values.count else {
                throw StateDecodingError(.malformed, "pending exposure \(exposure.sequence) is inconsistent")
            }
            add(exposure)
        }
    }
}
