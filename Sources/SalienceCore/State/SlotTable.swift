import CSalienceIntrinsics

/// A value a ``SlotTable`` holds, with the value of a slot never written.
public protocol SlotValue: BitwiseCopyable, Equatable, Sendable {
    /// What a slot holds before its first write.
    static var empty: Self { get }
}

/// `capacity` slots (the configured size of a model, sketch or bucket table)
/// of which only those written so far take memory.
///
/// Below about a third of the capacity the written slots live in an
/// open-addressing hash table (linear probing, at most half full), keyed by
/// slot number; past the point where that would take more memory than one
/// element per slot, the table turns into a plain array of `capacity`
/// elements and stays one. Memory therefore grows with what the table has
/// seen and never exceeds the dense size by more than the keys' share. What
/// a slot reads never depends on the form: an unwritten slot reads
/// ``SlotValue/empty``, and encoding lists the non-empty slots in slot order,
/// so equal contents encode to equal bytes.
///
/// Writers go through storage positions: ``insert(_:)`` gives the position
/// of a slot (adding it if absent) after ``reserve(_:)`` made room, so a
/// batch of positions stays valid until the next ``reserve(_:)``.
public struct SlotTable<Value: SlotValue>: Sendable, Equatable {
    /// Slots.
    public let capacity: Int
    /// Sparse: slot number + 1 per storage position (0 = free). Dense: empty.
    private var keys: [UInt32] = []
    /// Sparse: the value at each storage position. Dense: one per slot.
    private var values: [Value] = []
    /// Occupied storage positions (sparse only).
    private var occupied = 0
    private var isDense = false
    /// log2 of the hash table's size (sparse only).
    private var sizeBits = 0

    /// An empty table of `capacity` slots (at most 2³² − 1).
    public init(capacity: Int) {
        precondition(capacity > 0 && capacity < 1 << 32, "slot table capacity must lie in 1..<2^32")
        self.capacity = capacity
    }

    /// Bytes the table holds now.
    public var memoryBytes: Int {
        keys.count * MemoryLayout<UInt32>.stride + values.count * MemoryLayout<Value>.stride
    }

    /// Bytes a dense table of this capacity holds: the most this one takes, but for its keys.
    public var denseBytes: Int { capacity * MemoryLayout<Value>.stride }

    /// Whether the table has turned into a plain array.
    public var dense: Bool { isDense }

    /// The value of `slot` (``SlotValue/empty`` if never written).
    @inline(__always)
    public subscript(slot: Int) -> Value {
        if isDense { return values[slot] }
        guard let position = position(of: slot) else { return .empty }
        return values[position]
    }

    /// The storage position of `slot`, if it was written.
    @inline(__always)
    public func position(of slot: Int) -> Int? {
        if isDense { return slot }
        guard sizeBits > 0 else { return nil }
        let key = UInt32(truncatingIfNeeded: slot + 1)
        let mask = (1 << sizeBits) - 1
        return keys.withUnsafeBufferPointer { keys in
            var position = home(slot)
            while true {
                let found = keys[position]
                if found == key { return position }
                if found == 0 { return nil }
                position = (position + 1) & mask
            }
        }
    }

    /// Makes room for `additional` more slots, so that as many ``insert(_:)``
    /// calls neither move nor invalidate positions.
    @inline(__always)
    public mutating func reserve(_ additional: Int) {
        guard !isDense, (occupied + additional) * 2 > (sizeBits == 0 ? 0 : 1 << sizeBits) else { return }
        grow(toHold: occupied + additional)
    }

    /// The storage position of `slot`, added (holding ``SlotValue/empty``)
    /// if absent. Call ``reserve(_:)`` first.
    @inline(__always)
    public mutating func insert(_ slot: Int) -> Int {
        if isDense { return slot }
        let key = UInt32(truncatingIfNeeded: slot + 1)
        let mask = (1 << sizeBits) - 1
        var position = home(slot)
        let found: Bool = keys.withUnsafeMutableBufferPointer { keys in
            while true {
                let existing = keys[position]
                if existing == key { return true }
                if existing == 0 {
                    keys[position] = key
                    return false
                }
                position = (position + 1) & mask
            }
        }
        if !found { occupied += 1 }
        return position
    }

    /// Runs `body` over the values, indexed by storage position.
    @inline(__always)
    public mutating func withValues<Result>(_ body: (UnsafeMutableBufferPointer<Value>) throws -> Result) rethrows -> Result {
        try values.withUnsafeMutableBufferPointer { try body($0) }
    }

    /// Runs `body` over the values, indexed by storage position, to read.
    @inline(__always)
    public func withValues<Result>(_ body: (UnsafeBufferPointer<Value>) throws -> Result) rethrows -> Result {
        try values.withUnsafeBufferPointer(body)
    }

    /// Applies `transform` to every written value (an unwritten one is
    /// ``SlotValue/empty``, which `transform` must leave empty).
    public mutating func transformAll(_ transform: (inout Value) -> Void) {
        values.withUnsafeMutableBufferPointer { values in
            for position in values.indices { transform(&values[position]) }
        }
    }

    /// Starts loading where `slot` would live.
    @inline(__always)
    public func prefetch(_ slot: Int) {
        if isDense {
            values.withUnsafeBufferPointer { salience_prefetch_for_write($0.baseAddress! + slot) }
        } else if sizeBits > 0 {
            let position = home(slot)
            keys.withUnsafeBufferPointer { salience_prefetch_for_write($0.baseAddress! + position) }
            values.withUnsafeBufferPointer { salience_prefetch_for_write($0.baseAddress! + position) }
        }
    }

    /// The non-empty slots and their values, in slot order.
    public func nonEmpty() -> [(slot: Int, value: Value)] {
        if isDense {
            return values.indices.compactMap { values[$0] == .empty ? nil : ($0, values[$0]) }
        }
        return keys.indices.compactMap { position in
            keys[position] == 0 || values[position] == .empty ? nil : (Int(keys[position]) - 1, values[position])
        }.sorted { $0.slot < $1.slot }
    }

    /// Equal when the capacities match and every slot reads the same, whatever either table's form.
    public static func == (lhs: Self, rhs: Self) -> Bool {
        lhs.capacity == rhs.capacity && lhs.nonEmpty().elementsEqual(rhs.nonEmpty()) { $0.slot == $1.slot && $0.value == $1.value }
    }

    @inline(__always)
    private func home(_ slot: Int) -> Int {
        // Fibonacci hashing: the top bits of slot × 2⁶⁴/φ.
        Int(truncatingIfNeeded: (UInt64(slot) &* 0x9E37_79B9_7F4A_7C15) >> UInt64(64 - sizeBits))
    }

    private mutating func grow(toHold count: Int) {
        var bits = max(sizeBits, 6)
        while count * 2 > 1 << bits { bits += 1 }
        let sparseBytes = (1 << bits) * (MemoryLayout<UInt32>.stride + MemoryLayout<Value>.stride)
        if sparseBytes >= denseBytes || 1 << bits >= capacity {
            var dense = [Value].largeTable(repeating: .empty, count: capacity)
            for position in keys.indices where keys[position] != 0 { dense[Int(keys[position]) - 1] = values[position] }
            values = dense
            keys = []
            isDense = true
            sizeBits = 0
            return
        }
        let oldKeys = keys
        let oldValues = values
        keys = [UInt32](repeating: 0, count: 1 << bits)
        values = [Value](repeating: .empty, count: 1 << bits)
        sizeBits = bits
        occupied = 0
        for position in oldKeys.indices where oldKeys[position] != 0 {
            let slot = Int(oldKeys[position]) - 1
            let new = insert(slot)
            values[new] = oldValues[position]
        }
    }
}

extension SlotTable {
    /// Writes the capacity, then the non-empty slots in slot order and their
    /// values (each through `value`), so equal contents give equal bytes.
    public func encode(to writer: inout BinaryWriter, value: (Value, inout BinaryWriter) -> Void) {
        let entries = nonEmpty()
        writer.write(Int64(capacity))
        writer.write(entries.map { UInt32(truncatingIfNeeded: $0.slot) })
        for entry in entries { value(entry.value, &writer) }
    }

    /// Reads what ``encode(to:value:)`` wrote, refusing a capacity out of
    /// range, slots out of order or beyond it; `what` names the table in the error.
    public init(from reader: inout BinaryReader, what: String, value: (inout BinaryReader) throws -> Value) throws {
        let capacity = try reader.read(Int.self)
        guard capacity > 0, capacity < 1 << 32 else {
            throw StateDecodingError(.malformed, "\(what) of \(capacity) slots is out of range")
        }
        let slots = try reader.read([UInt32].self)
        guard slots.count <= capacity, zip(slots, slots.dropFirst()).allSatisfy({ $0 < $1 }), slots.last.map({ Int($0) < capacity }) ?? true else {
            throw StateDecodingError(.malformed, "\(what): slots out of order or beyond \(capacity)")
        }
        self.init(capacity: capacity)
        reserve(slots.count)
        for slot in slots {
            let position = insert(Int(slot))
            let decoded = try value(&reader)
            withValues { $0[position] = decoded }
        }
    }
}
