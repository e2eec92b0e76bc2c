@testable import SalienceCore
import SalienceTestSupport
import Testing

@Suite(.ownThreads) struct SlotTableTests {
    struct Pair: SlotValue {
        var a = 0.0
        var b: Int64 = -1
        static var empty: Pair { Pair() }
    }

    /// Writes `count` distinct slots drawn by a seeded generator, each to a value made from its slot.
    func filled(capacity: Int, count: Int, seed: UInt64) -> (SlotTable<Pair>, [Int: Pair]) {
        var table = SlotTable<Pair>(capacity: capacity)
        var expected: [Int: Pair] = [:]
        var random = SplitMix64(seed: seed)
        while expected.count < count {
            let slot = Int(random.next() % UInt64(capacity))
            table.reserve(1)
            let position = table.insert(slot)
            let value = Pair(a: Double(slot) + 0.5, b: Int64(slot))
            table.withValues { $0[position] = value }
            expected[slot] = value
        }
        return (table, expected)
    }

    /// A table that saw a few slots holds memory for those, not for its
    /// capacity; every slot reads what was written, or empty.
    @Test func memoryGrowsWithTheSlotsWritten() {
        let (table, expected) = filled(capacity: 1 << 20, count: 1000, seed: 1)
        #expect(!table.dense)
        #expect(table.memoryBytes <= 64 * 1024, "\(table.memoryBytes) bytes for 1,000 slots")
        #expect(table.denseBytes == (1 << 20) * MemoryLayout<Pair>.stride)
        for (slot, value) in expected { #expect(table[slot] == value) }
        var random = SplitMix64(seed: 99)
        for _ in 0..<1000 {
            let slot = Int(random.next() % (1 << 20))
            #expect(table[slot] == (expected[slot] ?? .empty))
        }
        #expect(table.nonEmpty().map(\.slot) == expected.keys.sorted())
    }

    /// The hash table fills to three quarters before it doubles: 48 slots
    /// in 64 positions, 96 in 128, 192 in 256.
    @Test func aHashTableGrowsPastThreeQuartersFull() {
        var table = SlotTable<Pair>(capacity: 1 << 20)
        let entry = MemoryLayout<UInt32>.stride + MemoryLayout<Pair>.stride
        var grownAt: [Int] = []
        var bytes = table.memoryBytes
        for slot in 0..<200 {
            table.reserve(1)
            _ = table.insert(slot * 977)
            if table.memoryBytes != bytes { grownAt.append(slot + 1) }
            bytes = table.memoryBytes
        }
        #expect(grownAt == [1, 49, 97, 193])
        #expect(table.memoryBytes == 512 * entry + 512 / 8)
        #expect(SlotTable<Pair>.sparseLimit(positions: 64) == 48)
    }

    /// Half full, the table turns dense, keeps every
    /// value, and never holds much more than the dense size.
    @Test func aFullerTableTurnsDenseAndKeepsItsContents() {
        let (table, expected) = filled(capacity: 4096, count: 2000, seed: 2)
        #expect(table.dense)
        #expect(table.memoryBytes <= table.denseBytes + 4096)
        for slot in 0..<4096 { #expect(table[slot] == (expected[slot] ?? .empty)) }
    }

    /// Inserting an event's slots together gives each the position inserting
    /// them one by one gives, repeats included, and marks the same slots
    /// changed, in the sparse form and after the table turned dense.
    @Test func insertingSlotsTogetherMatchesOneByOne() {
        for capacity in [1 << 20, 256] {
            var one = SlotTable<Pair>(capacity: capacity)
            var together = SlotTable<Pair>(capacity: capacity)
            var random = SplitMix64(seed: 5)
            for _ in 0..<200 {
                let slots = (0..<11).map { _ in Int(random.next() % UInt64(capacity)) }
                one.reserve(slots.count)
                together.reserve(slots.count)
                let single = slots.map { one.insert($0) }
                var positions = [Int](repeating: -1, count: slots.count)
                together.insert(slots.count, slot: { slots[$0] }, position: { positions[$0] = $1 })
                #expect(positions == single)
            }
            #expect(together.dense == (capacity == 256))
            #expect(together.written == one.written && together.changedSlots == one.changedSlots)
        }
    }

    /// The model holds a coordinate's `z` and `n` as two `Float`s: 8 bytes a
    /// coordinate once dense, and the changed-since-checkpoint bits.
    @Test func theModelHoldsEightBytesACoordinate() {
        var model = FTRLProximal(bits: 8, parameters: .init())
        var features = FeatureVector()
        for index in 0..<256 {
            features.removeAll()
            features.append(index, 1)
            let prediction = model.predict(features)
            model.update(features, prediction: prediction, label: 1, importance: 1)
        }
        #expect(model.memoryBytes == 256 * 8 + 256 / 8)
        #expect((0..<256).allSatisfy { model.weight(at: $0) != 0 })
    }

    /// Equal contents encode to equal bytes whatever the order of writes and
    /// the form (sparse or dense), and decode back to an equal table.
    @Test func encodingDependsOnContentsOnly() throws {
        let (table, expected) = filled(capacity: 1 << 12, count: 400, seed: 3)
        var reversed = SlotTable<Pair>(capacity: 1 << 12)
        for slot in expected.keys.sorted(by: >) {
            reversed.reserve(1)
            let position = reversed.insert(slot)
            reversed.withValues { $0[position] = expected[slot]! }
        }
        // The same contents, one table dense (filled past a third first, then emptied back), one sparse.
        var dense = SlotTable<Pair>(capacity: 1 << 12)
        dense.reserve(2000)
        for slot in 0..<2000 { _ = dense.insert(slot) }
        for (slot, value) in expected {
            let position = dense.insert(slot)
            dense.withValues { $0[position] = value }
        }
        #expect(dense.dense && !reversed.dense)
        func encoded(_ table: SlotTable<Pair>) -> [UInt8] {
            var writer = BinaryWriter()
            table.encode(to: &writer) { value, writer in
                writer.write(value.a)
                writer.write(value.b)
            }
            return writer.bytes
        }
        #expect(encoded(table) == encoded(reversed))
        #expect(encoded(table) == encoded(dense))
        #expect(table == reversed && table == dense)
        var reader = BinaryReader(encoded(table))
        let decoded = try SlotTable<Pair>(from: &reader, what: "pairs") { reader in
            Pair(a: try reader.read(Double.self), b: try reader.read(Int64.self))
        }
        #expect(decoded == table)
        #expect(encoded(decoded) == encoded(table))
    }

    /// The order slots are encoded in: by the upper half, ties in their
    /// first order, for upper halves that vary in one byte, in all four, or
    /// not at all; and a sparse table of 2³¹ slots lists its slots in order.
    @Test func slotOrderSortsByTheUpperHalfStably() {
        var random = SplitMix64(seed: 11)
        for mask in [UInt64(0xFF), 0xFFFF_FFFF, 0] {
            var values = (0..<5000).map { position in (random.next() & mask) << 32 | UInt64(position) }
            let expected = values.enumerated().sorted { ($0.element >> 32, $0.offset) < ($1.element >> 32, $1.offset) }.map(\.element)
            SlotOrder.sortByHighHalf(&values)
            #expect(values == expected, "mask \(mask)")
        }
        var one: [UInt64] = [7]
        SlotOrder.sortByHighHalf(&one)
        #expect(one == [7])

        var table = SlotTable<Pair>(capacity: 1 << 31)
        let slots = (0..<3000).map { _ in Int(random.next() % (1 << 31)) }
        table.reserve(slots.count)
        for slot in slots {
            let position = table.insert(slot)
            table.withValues { $0[position] = Pair(a: Double(slot), b: 1) }
        }
        let listed = table.nonEmpty()
        #expect(listed.map(\.slot) == Set(slots).sorted())
        #expect(listed.allSatisfy { $0.value.a == Double($0.slot) })
    }

    /// Slots out of order, or past the capacity, are refused with the table's name.
    /// Slots are written as ascending distances: a distance of 0 (a slot
    /// twice or out of order), one past the capacity, more slots than the
    /// capacity or a varint cut short are refused, naming the table.
    @Test func malformedSlotListsAreRefused() {
        for (count, distances): (UInt64, [UInt8]) in [(2, [6, 0]), (2, [3, 0]), (2, [2, 69]), (65, [1]), (1, [0x80])] {
            var writer = BinaryWriter()
            writer.write(Int64(64))
            writer.write(count)
            for distance in distances { writer.write(distance) }
            for _ in distances { writer.write(1.0) }
            var reader = BinaryReader(writer.bytes)
            let error = #expect(throws: StateDecodingError.self) {
                try SlotTable<SketchCell>(from: &reader, what: "cells") { SketchCell(count: try $0.read(Double.self)) }
            }
            #expect(error.map { $0.description.contains("cells") || $0.reason == .truncated } == true, "\(count) slots, distances \(distances)")
        }
    }

    struct SketchCell: SlotValue {
        var count = 0.0
        static var empty: SketchCell { SketchCell() }
    }

    /// An estimator that has seen 10 k events holds its tables' written
    /// slots, far below the configured (dense) sizes, and a restored one
    /// continues exactly as the original.
    @Test func anEstimatorsStateGrowsWithWhatItSaw() throws {
        let configuration = EstimatorConfiguration()
        var estimator = ImportanceEstimator(configuration: configuration)
        let events = syntheticEvents(12_000)
        for event in events.prefix(10_000) { _ = estimator.process(event) }
        let memory = estimator.memoryBytes
        #expect(memory < 12 << 20, "\(memory) bytes after 10 k events, against about 24 MB dense")
        var restored = try ImportanceEstimator(configuration: configuration, restoring: estimator.encodedState())
        for event in events.dropFirst(10_000) {
            #expect(restored.process(event) == estimator.process(event))
        }
        #expect(restored.encodedState() == estimator.encodedState())
    }
}
