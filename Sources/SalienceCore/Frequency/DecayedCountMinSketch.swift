import Foundation

/// Time-decayed frequencies of ids in fixed memory: a count-min sketch
/// (Cormode & Muthukrishnan, 2005) with conservative update, whose cells hold
/// forward-decayed counts, preceded by exact counts while few ids were seen.
///
/// Each id is reduced to a 32-bit fingerprint. Until more than
/// ``exactLimit`` fingerprints were counted, each one's decayed count is
/// kept exactly in a hash table no larger than the sketch would be (a
/// partition that has seen a few thousand ids holds kilobytes, and a
/// checkpoint writes one count per id, not one per row); the next new id
/// moves every count into the sketch (a conservative add of each, in
/// fingerprint order) and the sketch counts from then on. Both phases
/// estimate at or above the true decayed count (two ids sharing a
/// fingerprint share a count); the sketch exceeds it by more than `ε·N`
/// (N the decayed total) with probability at most `δ`. Memory is at most
/// `depth × width` doubles, fixed by (ε, δ) and independent of how many ids
/// the stream holds; cells take memory once written.
public struct DecayedCountMinSketch: Sendable, Equatable {
    /// Cells per row: `e/ε` rounded up to a power of two.
    public let width: Int
    /// Rows: `ln(1/δ)` rounded up.
    public let depth: Int
    public private(set) var decay: ForwardDecay
    private let seed: UInt64
    /// Whether counts are still kept per fingerprint (`exact`) rather than in `cells`.
    public private(set) var countingExactly = true
    /// Ids counted exactly before the sketch takes over: as many as a hash
    /// table no larger than the sketch's `depth × width` doubles holds
    /// (``SlotTable/sparseLimit(positions:)``: 49,152 ids in 2¹⁶ positions
    /// at the default ε = 10⁻⁴, δ = 0.01).
    public let exactLimit: Int
    /// The exact phase's counts, slot = fingerprint; empty once the sketch took over.
    private var exact = SlotTable<Cell>(capacity: Self.fingerprints)
    /// The cells written so far (row-major); unwritten cells count zero. Empty while counting exactly.
    private var cells: SlotTable<Cell>

    struct Cell: SlotValue {
        var count = 0.0
        static var empty: Cell { Cell() }
    }

    /// Fingerprints lie in `0 ..< fingerprints` (a ``SlotTable`` holds fewer than 2³² slots).
    static let fingerprints = Int(UInt32.max)

    /// A sketch for error `epsilon` (relative to the total count) with failure
    /// probability `delta`, decaying with `halfLife` (none when `nil`).
    public init(epsilon: Double, delta: Double, halfLife: Duration?, seed: UInt64) {
        precondition(epsilon > 0 && epsilon < 1 && delta > 0 && delta < 1, "ε and δ must lie in (0, 1)")
        width = Self.nextPowerOfTwo(Int((M_E / epsilon).rounded(.up)))
        depth = max(1, Int(PortableMath.log(1 / delta).rounded(.up)))
        decay = ForwardDecay(halfLife: halfLife)
        self.seed = seed
        cells = SlotTable(capacity: width * depth)
        exactLimit = Self.exactLimit(cells: width * depth)
    }

    private static func exactLimit(cells: Int) -> Int {
        let entryBytes = MemoryLayout<UInt32>.stride + MemoryLayout<Cell>.stride
        var positions = 64
        while positions * 2 * entryBytes <= cells * MemoryLayout<Cell>.stride { positions *= 2 }
        return SlotTable<Cell>.sparseLimit(positions: positions)
    }

    /// Bytes held by the counts (growing with the ids or cells written, up to 8 bytes a cell).
    public var memoryBytes: Int { exact.memoryBytes + cells.memoryBytes }

    /// Counts `amount` for the id with hash `key` at `time` and returns the
    /// new estimate read at `readTime`.
    @discardableResult
    public mutating func add(_ key: UInt64, amount: Double = 1, at time: Double, readAt readTime: Double) -> Double {
        var shared = SharedDecay()
        return add(key, amount: amount, at: time, readAt: readTime, sharing: &shared)
    }

    /// ``add(_:amount:at:readAt:)``, taking the decay values from `shared`
    /// when a sketch of the same decay computed them for the same times.
    @discardableResult
    public mutating func add(
        _ key: UInt64, amount: Double = 1, at time: Double, readAt readTime: Double, sharing shared: inout SharedDecay
    ) -> Double {
        add(probes(for: key), amount: amount, at: time, readAt: readTime, sharing: &shared)
    }

    /// ``add(_:amount:at:readAt:sharing:)`` for the id whose probes
    /// ``probes(for:)`` of this sketch gave (hashed once for prefetch and add).
    @discardableResult
    public mutating func add(
        _ probes: Probes, amount: Double = 1, at time: Double, readAt readTime: Double, sharing shared: inout SharedDecay
    ) -> Double {
        let factor = decay.prepare(for: time)
        if factor != 1 { scaleCells(by: factor) }
        let amount = amount * shared.weight(of: decay, at: time)
        let stored = countingExactly ? exactAdd(probes, amount: amount) : conservativeAdd(probes, amount: amount)
        return stored * shared.normalizer(of: decay, at: readTime)
    }

    /// The decayed count of the id with hash `key`, read at `time`.
    public func estimate(_ key: UInt64, at time: Double) -> Double {
        let probes = probes(for: key)
        if countingExactly { return exact[Int(probes.fingerprint)].count * decay.normalizer(at: time) }
        let rows = rows(probes)
        var minimum = Double.infinity
        for row in 0..<depth { minimum = Swift.min(minimum, cells[rows.cell(row, width: width)].count) }
        return minimum * decay.normalizer(at: time)
    }

    /// Where the count of the id with hash `key` lies: its fingerprint `f`,
    /// the low 32 bits of the id's hash mixed with the seed (below 2³² − 1),
    /// and, once the sketch counts in its cells, the rows' step (see
    /// ``Rows``; 0 when not taken), so prefetch and add mix it once.
    public struct Probes: Sendable {
        fileprivate let fingerprint: UInt64
        fileprivate var step: UInt64 = 0
    }

    /// The probes of the id with hash `key`, for ``prefetch(_:)`` and ``add(_:amount:at:readAt:sharing:)-(Probes,_,_,_,_)``.
    @inline(__always)
    public func probes(for key: UInt64) -> Probes {
        var probes = Probes(fingerprint: Swift.min(HashScheme.mix(key, seed: seed) & 0xFFFF_FFFF, UInt64(Self.fingerprints - 1)))
        if !countingExactly { probes.step = rows(probes).step }
        return probes
    }

    /// The sketch's cells of a fingerprint `f`, by double hashing (Kirsch &
    /// Mitzenmacher) from `f` alone: row `i` at column `(f + i·s) mod width`,
    /// `s` the fingerprint mixed again, made odd.
    private struct Rows {
        let fingerprint: UInt64
        let step: UInt64

        @inline(__always)
        func cell(_ row: Int, width: Int) -> Int {
            row * width + (Int(truncatingIfNeeded: fingerprint &+ UInt64(row) &* step) & (width - 1))
        }
    }

    /// The rows of `probes`, mixing the step unless the probes carry it (a step is odd, never 0).
    @inline(__always)
    private func rows(_ probes: Probes) -> Rows {
        Rows(fingerprint: probes.fingerprint, step: probes.step != 0 ? probes.step : HashScheme.mix(probes.fingerprint, seed: seed) | 1)
    }

    /// Starts loading the count or cells at `probes`, so that an
    /// ``add(_:amount:at:readAt:sharing:)-(Probes,_,_,_,_)`` soon after finds them in cache.
    public func prefetch(_ probes: Probes) {
        if countingExactly {
            exact.prefetch(Int(probes.fingerprint))
        } else {
            let rows = rows(probes)
            for row in 0..<depth { cells.prefetch(rows.cell(row, width: width)) }
        }
    }

    /// Adds `amount` to the exact count of `probes`' fingerprint, unless it
    /// is a new one past ``exactLimit``: then the sketch takes over first.
    mutating func exactAdd(_ probes: Probes, amount: Double) -> Double {
        let fingerprint = Int(probes.fingerprint)
        if exact.written >= exactLimit, exact.position(of: fingerprint) == nil {
            moveCountsToSketch()
            return conservativeAdd(probes, amount: amount)
        }
        exact.reserve(1)
        let position = exact.insert(fingerprint)
        return exact.withValues { (counts: UnsafeMutableBufferPointer<Cell>) in
            counts[position].count += amount
            return counts[position].count
        }
    }

    /// Ends the exact phase: each fingerprint's count, in fingerprint order,
    /// is added conservatively to the sketch, and the exact table is freed.
    private mutating func moveCountsToSketch() {
        let counted = exact.nonEmpty()
        exact = SlotTable(capacity: Self.fingerprints)
        countingExactly = false
        for (fingerprint, cell) in counted {
            _ = conservativeAdd(Probes(fingerprint: UInt64(fingerprint)), amount: cell.count)
        }
    }

    mutating func conservativeAdd(_ probes: Probes, amount: Double) -> Double {
        let depth = self.depth
        let width = self.width
        let rows = rows(probes)
        cells.reserve(depth)
        return withUnsafeTemporaryAllocation(of: Int.self, capacity: depth) { positions in
            cells.insert(depth, slot: { rows.cell($0, width: width) }, position: { positions[$0] = $1 })
            return cells.withValues { (cells: UnsafeMutableBufferPointer<Cell>) in
                var minimum = Double.infinity
                for row in 0..<depth { minimum = Swift.min(minimum, cells[positions[row]].count) }
                let target = minimum + amount
                // Without a branch: whether a row lies below the target is a coin flip to the CPU.
                for row in 0..<depth { cells[positions[row]].count = Swift.max(cells[positions[row]].count, target) }
                return target
            }
        }
    }

    mutating func scaleCells(by factor: Double) {
        if countingExactly {
            exact.transformAll { $0.count *= factor }
        } else {
            cells.transformAll { $0.count *= factor }
        }
    }

    private static func nextPowerOfTwo(_ value: Int) -> Int {
        var power = 1
        while power < value { power <<= 1 }
        return power
    }
}

extension DecayedCountMinSketch: BinaryCodable {
    public func encode(to writer: inout BinaryWriter) {
        writer.write(Int64(width))
        writer.write(Int64(depth))
        writer.write(seed)
        decay.encode(to: &writer)
        writer.write(countingExactly)
        exact.encode(to: &writer) { cell, writer in writer.write(cell.count) }
        cells.encode(to: &writer) { cell, writer in writer.write(cell.count) }
    }

    public init(from reader: inout BinaryReader) throws {
        width = try reader.read(Int.self)
        depth = try reader.read(Int.self)
        seed = try reader.read(UInt64.self)
        decay = try ForwardDecay(from: &reader)
        countingExactly = try reader.read(Bool.self)
        exact = try SlotTable(from: &reader, what: "exact counts") { reader in Cell(count: try reader.read(Double.self)) }
        cells = try SlotTable(from: &reader, what: "count-min sketch") { reader in Cell(count: try reader.read(Double.self)) }
        guard width > 0, width & (width - 1) == 0, depth > 0, cells.capacity % width == 0, cells.capacity / width == depth else {
            throw StateDecodingError(.malformed, "count-min sketch of \(depth)×\(width) holds \(cells.capacity) cells")
        }
        exactLimit = Self.exactLimit(cells: cells.capacity)
        try checkPhase()
    }

    /// Refuses counts in the table of the other phase, a table of exact
    /// counts of the wrong size, or more exact counts than the limit.
    private func checkPhase() throws {
        guard exact.capacity == Self.fingerprints else {
            throw StateDecodingError(.malformed, "exact counts over \(exact.capacity) fingerprints, not \(Self.fingerprints)")
        }
        if countingExactly, !cells.isEmpty {
            throw StateDecodingError(.malformed, "count-min sketch cells written while counting exactly")
        }
        if !countingExactly, !exact.isEmpty {
            throw StateDecodingError(.malformed, "exact counts left after the count-min sketch took over")
        }
        guard exact.written <= exactLimit else {
            throw StateDecodingError(.malformed, "\(exact.written) exact counts, more than the limit of \(exactLimit)")
        }
    }
}

extension DecayedCountMinSketch: IncrementalState {
    var changedSlots: Int { exact.changedSlots + cells.changedSlots }

    mutating func clearChanges() {
        exact.clearChanges()
        cells.clearChanges()
    }

    /// A change set in the exact phase overlays this sketch's exact counts;
    /// one in the sketch phase overlays its cells, or, when this sketch was
    /// still counting exactly, empty cells (the move wrote every cell since).
    func overlaid(with changes: Self) throws -> Self {
        var result = changes
        if changes.countingExactly {
            guard countingExactly else {
                throw StateDecodingError(.malformed, "exact counts that follow a count-min sketch")
            }
            result.exact = try exact.overlaid(with: changes.exact)
            result.cells = SlotTable(capacity: cells.capacity)
        } else {
            let previous = countingExactly ? SlotTable(capacity: cells.capacity) : cells
            result.cells = try previous.overlaid(with: changes.cells)
            result.exact = SlotTable(capacity: Self.fingerprints)
        }
        try result.checkPhase()
        return result
    }
}
