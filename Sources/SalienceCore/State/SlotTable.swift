/// A value a ``SlotTable`` holds, with the value of a slot never written.
public protocol SlotValue: BitwiseCopyable, Equatable, Sendable {
    /// What a slot holds before its first write.
    static var empty: Self { get }
}

/// `capacity` slots (the configured size of a model, sketch or bucket table)
/// of which only those written so far take memory.
///
/// Until a quarter to a half of the capacity is written (by the value's
/// size) the written slots live in an open-addressing hash table (linear
/// probing, at most three quarters full: ``sparseLimit(positions:)``), keyed
/// by slot number; past the point where that would take more memory than one
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
///
/// The table also knows which slots were written since ``clearChanges()``
/// (one bit per slot, taken at the first write), so an incremental
/// checkpoint encodes only those (``BinaryWriter/changesOnly``) and
/// ``overlaid(with:)`` applies them to the previous state.
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
    /// One bit per storage position: written since the last ``clearChanges()``.
    private var changed: [UInt64] = []
    /// Every slot changed at once (``transformAll(_:)``): the next change
    /// set is the whole table.
    private var everythingChanged = false
    /// Decoded from a change set of some slots: those slots and their values,
    /// to be set by ``overlaid(with:)`` (the table itself holds none).
    private var slotChanges: [Change]?

    private struct Change: Equatable {
        let slot: Int
        let value: Value
    }

    /// An empty table of `capacity` slots (at most 2³² − 1).
    public init(capacity: Int) {
        precondition(capacity > 0 && capacity < 1 << 32, "slot table capacity must lie in 1..<2^32")
        self.capacity = capacity
    }

    /// Bytes the table holds now.
    public var memoryBytes: Int {
        keys.count * MemoryLayout<UInt32>.stride + values.count * MemoryLayout<Value>.stride + changed.count * 8
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
        guard !isDense, occupied + additional > (sizeBits == 0 ? 0 : Self.sparseLimit(positions: 1 << sizeBits)) else { return }
        grow(toHold: occupied + additional)
    }

    /// The most slots a hash table of `positions` positions holds: three
    /// quarters of them, where linear probing still finds a slot within a
    /// few neighbouring keys (2.5 probes on average for a written slot).
    @inline(__always)
    public static func sparseLimit(positions: Int) -> Int {
        positions - positions / 4
    }

    /// The storage position of `slot`, added (holding ``SlotValue/empty``)
    /// if absent. Call ``reserve(_:)`` first.
    @inline(__always)
    public mutating func insert(_ slot: Int) -> Int {
        var result = 0
        insert(1, slot: { _ in slot }, position: { _, position in result = position })
        return result
    }

    /// ``insert(_:)`` of `count` slots at once, `slot(i)` the `i`th, giving
    /// each one's storage position to `position(i, ·)`: the tables' storage
    /// is opened once for all of them (an event inserts a slot per feature
    /// or sketch row). Call ``reserve(_:)`` for `count` first.
    @inline(__always)
    public mutating func insert(_ count: Int, slot: (Int) -> Int, position: (Int, Int) -> Void) {
        if isDense {
            changed.withUnsafeMutableBufferPointer { changed in
                for index in 0..<count {
                    let slot = slot(index)
                    Self.mark(slot, in: changed)
                    position(index, slot)
                }
            }
            return
        }
        let sizeBits = self.sizeBits
        let mask = (1 << sizeBits) - 1
        var added = 0
        keys.withUnsafeMutableBufferPointer { keys in
            changed.withUnsafeMutableBufferPointer { changed in
                for index in 0..<count {
                    let slot = slot(index)
                    let key = UInt32(truncatingIfNeeded: slot + 1)
                    var probe = Self.home(slot, sizeBits: sizeBits)
                    while true {
                        let existing = keys[probe]
                        if existing == key { break }
                        if existing == 0 {
                            keys[probe] = key
                            added += 1
                            break
                        }
                        probe = (probe + 1) & mask
                    }
                    Self.mark(probe, in: changed)
                    position(index, probe)
                }
            }
        }
        occupied += added
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
        everythingChanged = true
    }

    /// Slots written since the last ``clearChanges()`` (every written slot
    /// after a ``transformAll(_:)``).
    public var changedSlots: Int {
        everythingChanged ? written : changed.reduce(0) { $0 + $1.nonzeroBitCount }
    }

    /// Slots holding a value, empty or not.
    public var written: Int {
        isDense ? values.count : occupied
    }

    /// Whether no slot holds a value (nor, for a decoded change set, changes one).
    public var isEmpty: Bool {
        written == 0 && (slotChanges?.isEmpty ?? true)
    }

    /// Forgets which slots were written: the next change set starts here.
    public mutating func clearChanges() {
        if changed.contains(where: { $0 != 0 }) {
            changed.withUnsafeMutableBufferPointer { $0.update(repeating: 0) }
        }
        everythingChanged = false
    }

    @inline(__always)
    private mutating func markChanged(_ position: Int) {
        changed.withUnsafeMutableBufferPointer { Self.mark(position, in: $0) }
    }

    @inline(__always)
    private static func mark(_ position: Int, in changed: UnsafeMutableBufferPointer<UInt64>) {
        changed[position >> 6] |= 1 << UInt64(position & 63)
    }

    /// The storage positions marked in `bits`.
    private static func positions(in bits: [UInt64]) -> [Int] {
        var positions: [Int] = []
        for (word, value) in bits.enumerated() where value != 0 {
            var remaining = value
            while remaining != 0 {
                positions.append(word << 6 | remaining.trailingZeroBitCount)
                remaining &= remaining - 1
            }
        }
        return positions
    }

    /// The slots written since ``clearChanges()`` and their values (empty
    /// ones included), in slot order.
    private func changes() -> [(slot: Int, value: Value)] {
        let positions = Self.positions(in: changed)
        if isDense { return positions.map { ($0, values[$0]) } }
        return inSlotOrder(positions)
    }

    /// The entries at sparse storage `positions`, in slot order: each as
    /// `key << 32 | position` (key = slot + 1; both below 2³²), put in
    /// order by ``SlotOrder/sortByHighHalf(_:)``, then read back.
    private func inSlotOrder(_ positions: some Sequence<Int>) -> [(slot: Int, value: Value)] {
        var packed = positions.map { UInt64(keys[$0]) << 32 | UInt64($0) }
        SlotOrder.sortByHighHalf(&packed)
        return packed.map { (Int($0 >> 32) - 1, values[Int(truncatingIfNeeded: $0 & 0xFFFF_FFFF)]) }
    }

    /// This table with the slots of `changes` (a change set decoded under
    /// ``BinaryReader/changesOnly``) set to their values, or `changes`
    /// itself when it replaces the whole table; no slot counts as changed.
    ///
    /// - Throws: ``StateDecodingError`` when the capacities differ.
    public func overlaid(with changes: SlotTable) throws -> SlotTable {
        guard changes.capacity == capacity else {
            throw StateDecodingError(.malformed, "a change set of \(changes.capacity) slots for a table of \(capacity)")
        }
        guard let slotChanges = changes.slotChanges else { return changes }
        var result = self
        result.reserve(slotChanges.count)
        for change in slotChanges {
            let position = result.insert(change.slot)
            result.values[position] = change.value
        }
        result.clearChanges()
        return result
    }

    /// Starts loading where `slot` would live (and its changed-since-checkpoint bit).
    @inline(__always)
    public func prefetch(_ slot: Int) {
        if isDense {
            values.withUnsafeBufferPointer { prefetchForWrite($0.baseAddress! + slot) }
            changed.withUnsafeBufferPointer { prefetchForWrite($0.baseAddress! + (slot >> 6)) }
        } else if sizeBits > 0 {
            let position = home(slot)
            keys.withUnsafeBufferPointer { prefetchForWrite($0.baseAddress! + position) }
            values.withUnsafeBufferPointer { prefetchForWrite($0.baseAddress! + position) }
            changed.withUnsafeBufferPointer { prefetchForWrite($0.baseAddress! + (position >> 6)) }
        }
    }

    /// The non-empty slots and their values, in slot order.
    public func nonEmpty() -> [(slot: Int, value: Value)] {
        if isDense {
            return values.indices.compactMap { values[$0] == .empty ? nil : ($0, values[$0]) }
        }
        return inSlotOrder(keys.indices.lazy.filter { keys[$0] != 0 && values[$0] != .empty })
    }

    /// Equal when the capacities match and every slot reads the same, whatever either table's form.
    public static func == (lhs: Self, rhs: Self) -> Bool {
        lhs.capacity == rhs.capacity && lhs.slotChanges == rhs.slotChanges
            && lhs.nonEmpty().elementsEqual(rhs.nonEmpty()) { $0.slot == $1.slot && $0.value == $1.value }
    }

    @inline(__always)
    private func home(_ slot: Int) -> Int {
        Self.home(slot, sizeBits: sizeBits)
    }

    @inline(__always)
    private static func home(_ slot: Int, sizeBits: Int) -> Int {
        // Fibonacci hashing: the top bits of slot × 2⁶⁴/φ.
        Int(truncatingIfNeeded: (UInt64(slot) &* 0x9E37_79B9_7F4A_7C15) >> UInt64(64 - sizeBits))
    }

    private mutating func grow(toHold count: Int) {
        var bits = max(sizeBits, 6)
        while count > Self.sparseLimit(positions: 1 << bits) { bits += 1 }
        let sparseBytes = (1 << bits) * (MemoryLayout<UInt32>.stride + MemoryLayout<Value>.stride)
        let oldKeys = keys
        let oldValues = values
        let oldChanged = changed
        func wasChanged(_ position: Int) -> Bool { oldChanged[position >> 6] & (1 << UInt64(position & 63)) != 0 }
        if sparseBytes >= denseBytes || 1 << bits >= capacity {
            values = [Value].largeTable(repeating: .empty, count: capacity)
            keys = []
            changed = [UInt64](repeating: 0, count: (capacity + 63) >> 6)
            isDense = true
            sizeBits = 0
            for position in oldKeys.indices where oldKeys[position] != 0 {
                let slot = Int(oldKeys[position]) - 1
                values[slot] = oldValues[position]
                if wasChanged(position) { markChanged(slot) }
            }
            return
        }
        keys = [UInt32](repeating: 0, count: 1 << bits)
        values = [Value](repeating: .empty, count: 1 << bits)
        changed = [UInt64](repeating: 0, count: ((1 << bits) + 63) >> 6)
        sizeBits = bits
        occupied = 0
        for position in oldKeys.indices where oldKeys[position] != 0 {
            let new = insert(Int(oldKeys[position]) - 1)
            values[new] = oldValues[position]
            if !wasChanged(position) { clearChanged(new) }
        }
    }

    @inline(__always)
    private mutating func clearChanged(_ position: Int) {
        changed.withUnsafeMutableBufferPointer { $0[position >> 6] &= ~(1 << UInt64(position & 63)) }
    }
}

extension SlotTable {
    /// Writes the capacity, then the non-empty slots in slot order (their
    /// count, then each one's distance from the previous as an unsigned
    /// LEB128 varint) and their values (each through `value`), so equal
    /// contents give equal bytes.
    /// Under ``BinaryWriter/changesOnly``, a flag (whether the whole table
    /// follows) comes after the capacity, and the slots are those written
    /// since ``clearChanges()``, empty ones included — unless every slot
    /// changed, when the whole table follows.
    public func encode(to writer: inout BinaryWriter, value: (Value, inout BinaryWriter) -> Void) {
        writer.write(Int64(capacity))
        let entries: [(slot: Int, value: Value)]
        if writer.changesOnly {
            writer.write(everythingChanged)
            entries = everythingChanged ? nonEmpty() : changes()
        } else {
            entries = nonEmpty()
        }
        // Slots ascend: each as its distance from the previous (the first from -1), in LEB128.
        writer.write(UInt64(entries.count))
        var previous = -1
        for entry in entries {
            writer.writeVarint(UInt64(entry.slot - previous))
            previous = entry.slot
        }
        for entry in entries { value(entry.value, &writer) }
    }

    /// Reads what ``encode(to:value:)`` wrote (a change set under
    /// ``BinaryReader/changesOnly``, to be applied by ``overlaid(with:)``),
    /// refusing a capacity out of range, slots out of order or beyond it;
    /// `what` names the table in the error. No slot counts as changed.
    public init(from reader: inout BinaryReader, what: String, value: (inout BinaryReader) throws -> Value) throws {
        let capacity = try reader.read(Int.self)
        guard capacity > 0, capacity < 1 << 32 else {
            throw StateDecodingError(.malformed, "\(what) of \(capacity) slots is out of range")
        }
        let whole = reader.changesOnly ? try reader.read(Bool.self) : true
        let count = try reader.read(UInt64.self)
        guard count <= UInt64(capacity), count <= UInt64(reader.remaining) else {
            throw StateDecodingError(.malformed, "\(what): \(count) slots in a table of \(capacity)")
        }
        var slots: [Int] = []
        slots.reserveCapacity(Int(count))
        var previous = -1
        for _ in 0..<count {
            let distance = try reader.readVarint()
            guard distance >= 1, distance < UInt64(capacity - previous) else {
                throw StateDecodingError(.malformed, "\(what): slots out of order or beyond \(capacity)")
            }
            previous += Int(distance)
            slots.append(previous)
        }
        self.init(capacity: capacity)
        if !whole {
            slotChanges = try slots.map { Change(slot: $0, value: try value(&reader)) }
            return
        }
        reserve(slots.count)
        for slot in slots {
            let position = insert(slot)
            let decoded = try value(&reader)
            withValues { $0[position] = decoded }
        }
        clearChanges()
    }
}

/// State holding ``SlotTable``s that an incremental checkpoint encodes as
/// the slots changed since the previous checkpoint.
protocol IncrementalState {
    /// Slots written since ``clearChanges()``.
    var changedSlots: Int { get }
    /// Forgets which slots were written.
    mutating func clearChanges()
    /// This state with `changes` (decoded under ``BinaryReader/changesOnly``)
    /// applied: its tables overlay this one's, the rest is taken from it.
    func overlaid(with changes: Self) throws -> Self
}

/// State whose only table is ``slotTable``: its ``IncrementalState`` is the table's.
protocol SingleTableState: IncrementalState {
    associatedtype Slot: SlotValue
    /// The state's table.
    var slotTable: SlotTable<Slot> { get set }
}

extension SingleTableState {
    var changedSlots: Int { slotTable.changedSlots }

    mutating func clearChanges() { slotTable.clearChanges() }

    func overlaid(with changes: Self) throws -> Self {
        var result = changes
        result.slotTable = try slotTable.overlaid(with: changes.slotTable)
        return result
    }
}

/// Ordering sparse storage positions by slot for encoding, without a
/// comparison sort: a table lists its slots at every checkpoint and model
/// export, and sorting (slot, value) pairs with a closure took most of a
/// checkpoint's time on the engine thread.
enum SlotOrder {
    /// Sorts `values` by their upper 32 bits (ties keep their order): a
    /// least-significant-digit radix sort, one pass per byte of the upper
    /// half that varies.
    static func sortByHighHalf(_ values: inout [UInt64]) {
        guard values.count > 1 else { return }
        let first = values[0]
        let varying = values.reduce(0) { $0 | ($1 ^ first) } >> 32
        var scratch = [UInt64](repeating: 0, count: values.count)
        var counts = [Int](repeating: 0, count: 257)
        for shift in stride(from: UInt64(32), to: 64, by: 8) where (varying >> (shift - 32)) & 0xFF != 0 {
            counts.withUnsafeMutableBufferPointer { counts in
                values.withUnsafeBufferPointer { source in
                    scratch.withUnsafeMutableBufferPointer { target in
                        counts.update(repeating: 0)
                        for value in source { counts[Int((value >> shift) & 0xFF) + 1] += 1 }
                        for digit in 1..<counts.count { counts[digit] += counts[digit - 1] }
                        for value in source {
                            let digit = Int((value >> shift) & 0xFF)
                            target[counts[digit]] = value
                            counts[digit] += 1
                        }
                    }
                }
            }
            swap(&values, &scratch)
        }
    }
}
