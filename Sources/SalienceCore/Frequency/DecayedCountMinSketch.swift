import Foundation

/// Time-decayed frequencies of ids in fixed memory: a count-min sketch
/// (Cormode & Muthukrishnan, 2005) with conservative update, whose cells hold
/// forward-decayed counts.
///
/// Estimates never fall below the true decayed count and exceed it by more
/// than `ε·N` (N the decayed total) with probability at most `δ`. Memory is
/// at most `depth × width` doubles, fixed by (ε, δ) and independent of how
/// many ids the stream holds; cells take memory once written.
public struct DecayedCountMinSketch: Sendable, Equatable {
    /// Cells per row: `e/ε` rounded up to a power of two.
    public let width: Int
    /// Rows: `ln(1/δ)` rounded up.
    public let depth: Int
    public private(set) var decay: ForwardDecay
    private let seed: UInt64
    /// The cells written so far (row-major); unwritten cells count zero.
    private var cells: SlotTable<Cell>

    struct Cell: SlotValue {
        var count = 0.0
        static var empty: Cell { Cell() }
    }

    /// A sketch for error `epsilon` (relative to the total count) with failure
    /// probability `delta`, decaying with `halfLife` (none when `nil`).
    public init(epsilon: Double, delta: Double, halfLife: Duration?, seed: UInt64) {
        precondition(epsilon > 0 && epsilon < 1 && delta > 0 && delta < 1, "ε and δ must lie in (0, 1)")
        width = Self.nextPowerOfTwo(Int((M_E / epsilon).rounded(.up)))
        depth = max(1, Int(PortableMath.log(1 / delta).rounded(.up)))
        decay = ForwardDecay(halfLife: halfLife)
        self.seed = seed
        cells = SlotTable(capacity: width * depth)
    }

    /// Bytes held by the cells (growing with the cells written, up to 8 bytes each).
    public var memoryBytes: Int { cells.memoryBytes }

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
        let stored = conservativeAdd(probes, amount: amount * shared.weight(of: decay, at: time))
        return stored * shared.normalizer(of: decay, at: readTime)
    }

    /// The decayed count of the id with hash `key`, read at `time`.
    public func estimate(_ key: UInt64, at time: Double) -> Double {
        let probes = probes(for: key)
        var minimum = Double.infinity
        for row in 0..<depth { minimum = Swift.min(minimum, cells[cell(row, probes)].count) }
        return minimum * decay.normalizer(at: time)
    }

    /// Where the cells of the id with hash `key` lie in this sketch: the row
    /// probes by double hashing (Kirsch & Mitzenmacher), row `i` using column
    /// `(h1 + i·h2) mod width` with `h2` odd.
    public struct Probes: Sendable {
        fileprivate let first: UInt64
        fileprivate let step: UInt64
    }

    /// The probes of the id with hash `key`, for ``prefetch(_:)`` and ``add(_:amount:at:readAt:sharing:)-(Probes,_,_,_,_)``.
    @inline(__always)
    public func probes(for key: UInt64) -> Probes {
        let first = HashScheme.mix(key, seed: seed)
        return Probes(first: first, step: HashScheme.mix(first, seed: seed) | 1)
    }

    /// Starts loading the cells at `probes`, so that an
    /// ``add(_:amount:at:readAt:sharing:)-(Probes,_,_,_,_)`` soon after finds them in cache.
    public func prefetch(_ probes: Probes) {
        for row in 0..<depth { cells.prefetch(cell(row, probes)) }
    }

    mutating func conservativeAdd(_ probes: Probes, amount: Double) -> Double {
        let depth = self.depth
        let width = self.width
        cells.reserve(depth)
        return withUnsafeTemporaryAllocation(of: Int.self, capacity: depth) { positions in
            cells.insert(depth, slot: { Self.cell($0, probes, width: width) }, position: { positions[$0] = $1 })
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
        cells.transformAll { $0.count *= factor }
    }

    /// The index in `cells` of the probed cell of `row`.
    @inline(__always)
    private func cell(_ row: Int, _ probes: Probes) -> Int {
        Self.cell(row, probes, width: width)
    }

    @inline(__always)
    private static func cell(_ row: Int, _ probes: Probes, width: Int) -> Int {
        row * width + (Int(truncatingIfNeeded: probes.first &+ UInt64(row) &* probes.step) & (width - 1))
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
        cells.encode(to: &writer) { cell, writer in writer.write(cell.count) }
    }

    public init(from reader: inout BinaryReader) throws {
        width = try reader.read(Int.self)
        depth = try reader.read(Int.self)
        seed = try reader.read(UInt64.self)
        decay = try ForwardDecay(from: &reader)
        cells = try SlotTable(from: &reader, what: "count-min sketch") { reader in Cell(count: try reader.read(Double.self)) }
        guard width > 0, width & (width - 1) == 0, depth > 0, cells.capacity == width * depth else {
            throw StateDecodingError(.malformed, "count-min sketch of \(depth)×\(width) holds \(cells.capacity) cells")
        }
    }
}

extension DecayedCountMinSketch: SingleTableState {
    var slotTable: SlotTable<Cell> {
        _read { yield cells }
        _modify { yield &cells }
    }
}
