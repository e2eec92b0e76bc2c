import Foundation
import SalienceCore
import SalienceDatasets
import SalienceTestSupport
import Testing

/// Change sets: what an incremental checkpoint holds of the tables (the
/// slots written since the previous checkpoint) and how restoring applies
/// them to the state they followed.
@Suite(.ownThreads) struct IncrementalStateTests {
    struct Cell: SlotValue {
        var value: UInt64 = 0
        static var empty: Cell { Cell() }
    }

    func encode(_ table: SlotTable<Cell>, changesOnly: Bool) -> [UInt8] {
        var writer = BinaryWriter(changesOnly: changesOnly)
        table.encode(to: &writer) { cell, writer in writer.write(cell.value) }
        return writer.bytes
    }

    func decode(_ bytes: [UInt8], changesOnly: Bool) throws -> SlotTable<Cell> {
        var reader = BinaryReader(bytes, changesOnly: changesOnly)
        return try SlotTable(from: &reader, what: "test table") { reader in Cell(value: try reader.read(UInt64.self)) }
    }

    mutating func write(_ table: inout SlotTable<Cell>, _ slot: Int, _ value: UInt64) {
        table.reserve(1)
        let position = table.insert(slot)
        table.withValues { $0[position] = Cell(value: value) }
    }

    /// Sparse and dense, new slots and rewritten ones: the change set holds
    /// exactly the slots written since the mark, and the previous table
    /// overlaid with it equals the current one.
    @Test(arguments: [200, 6000])
    mutating func aChangeSetHoldsTheSlotsWrittenSinceTheMark(firstWrites: Int) throws {
        var table = SlotTable<Cell>(capacity: 8192)
        var generator = SplitMix64(seed: 3)
        for _ in 0..<firstWrites { write(&table, Int(generator.next() % 8192), generator.next() | 1) }
        table.clearChanges()
        #expect(table.changedSlots == 0)
        let previous = try decode(encode(table, changesOnly: false), changesOnly: false)
        #expect(previous == table)

        var touched = Set<Int>()
        for _ in 0..<50 {
            let slot = Int(generator.next() % 8192)
            touched.insert(slot)
            write(&table, slot, generator.next() | 1)
        }
        #expect(table.changedSlots == touched.count)
        let changes = encode(table, changesOnly: true)
        // Capacity, flag, slot count: 8 + 1 + 8; each slot's distance from the previous (LEB128), then 8 per value.
        let slots = touched.sorted()
        let distances = zip(slots, [-1] + slots).map { $0 - $1 }
        #expect(changes.count == 17 + distances.map { $0 < 128 ? 1 : 2 }.reduce(0, +) + 8 * touched.count)
        let restored = try previous.overlaid(with: decode(changes, changesOnly: true))
        #expect(restored == table)
        #expect(restored.changedSlots == 0)
    }

    /// A slot written back to empty travels in the change set too.
    @Test mutating func aSlotWrittenBackToEmptyIsApplied() throws {
        var table = SlotTable<Cell>(capacity: 64)
        write(&table, 5, 7)
        let previous = table
        table.clearChanges()
        write(&table, 5, 0)
        let restored = try previous.overlaid(with: decode(encode(table, changesOnly: true), changesOnly: true))
        #expect(restored[5] == .empty)
        #expect(restored == table)
    }

    /// After every slot changed at once (a sketch's rescaling) the change set
    /// is the whole table and replaces the previous one.
    @Test mutating func changingEverySlotWritesTheWholeTable() throws {
        var table = SlotTable<Cell>(capacity: 1024)
        for slot in stride(from: 0, to: 1024, by: 3) { write(&table, slot, UInt64(slot) + 1) }
        let previous = table
        table.clearChanges()
        table.transformAll { $0.value = $0.value == 0 ? 0 : $0.value * 2 }
        #expect(table.changedSlots == table.written)
        let changes = try decode(encode(table, changesOnly: true), changesOnly: true)
        #expect(try previous.overlaid(with: changes) == table)
    }

    @Test func aChangeSetOfAnotherCapacityIsRefused() throws {
        let changes = try decode(encode(SlotTable<Cell>(capacity: 32), changesOnly: true), changesOnly: true)
        #expect(throws: StateDecodingError.self) { try SlotTable<Cell>(capacity: 64).overlaid(with: changes) }
    }

    /// A full state and the change sets after it restore the very state an
    /// uninterrupted estimator holds (byte for byte), which then continues
    /// identically — with the delayed-feedback conversion model, negatives,
    /// and a time jump that rescales the sketches between two change sets.
    @Test(arguments: [LabelPolicy.perEvent, .fakeNegative])
    func aGenerationRestoresTheUninterruptedState(policy: LabelPolicy) throws {
        var configuration = smallConfiguration()
        configuration.labels.policy = policy
        configuration.labels.conversionModelBits = 12
        configuration.negatives.perPositive = 1
        configuration.negatives.rebuildEveryEvents = 500
        configuration.samplingEnabled = true
        configuration.frequencyHalfLife = .seconds(60)
        // A small catalogue, so later events mostly revisit slots, as a steady stream does.
        var events = Array(SyntheticEventStream(configuration: .init(users: 300, items: 600, categories: 20, seed: 4)).prefix(9000))
        // Twelve days later: the sketches' landmark moves and every cell is rescaled.
        for index in 6000..<events.count { events[index].timestamp += 12 * 86_400_000 }

        var estimator = ImportanceEstimator(configuration: configuration)
        var full: [UInt8] = []
        var changes: [[UInt8]] = []
        var samples: [WeightedSample] = []
        for (index, event) in events.enumerated() {
            if index == 2000 {
                full = estimator.encodedState()
                estimator.clearChanges()
            } else if index > 2000, index % 1000 == 0, index < 8500 {
                changes.append(estimator.encodedChanges())
                estimator.clearChanges()
            }
            _ = estimator.release(event, into: &samples)
        }
        changes.append(estimator.encodedChanges())
        #expect(changes.count == 7)

        var restored = try ImportanceEstimator(configuration: configuration, restoring: full, changes: changes)
        #expect(restored.encodedState() == estimator.encodedState())
        #expect(restored.changedSlots == 0)
        var continued: [WeightedSample] = []
        var expected: [WeightedSample] = []
        for event in syntheticEvents(500, seed: 7) {
            var shifted = event
            shifted.timestamp += 12 * 86_400_000
            _ = restored.release(shifted, into: &continued)
            _ = estimator.release(shifted, into: &expected)
        }
        #expect(continued == expected)
    }

    /// On a stream that mostly revisits what it saw, a change set holds the
    /// slots revisited, not the whole state: after 18,000 events, the
    /// changes of the next 2,000 are well under the full state.
    @Test func aSteadyStreamsChangeSetIsAPartOfTheFullState() {
        var estimator = ImportanceEstimator(configuration: smallConfiguration())
        let events = Array(SyntheticEventStream(configuration: .init(users: 300, items: 600, categories: 20, seed: 4)).prefix(20000))
        for event in events[..<18000] { _ = estimator.process(event) }
        estimator.clearChanges()
        #expect(estimator.changedSlots == 0)
        for event in events[18000...] { _ = estimator.process(event) }
        let changes = estimator.encodedChanges().count
        let full = estimator.encodedState().count
        #expect(estimator.changedSlots > 1000)
        #expect(Double(changes) < 0.6 * Double(full), "change set \(changes) B, full \(full) B")
    }

    @Test func aFullStateAndAChangeSetAreNotTakenForEachOther() throws {
        let configuration = smallConfiguration()
        var estimator = ImportanceEstimator(configuration: configuration)
        for event in syntheticEvents(300) { _ = estimator.process(event) }
        let full = estimator.encodedState()
        estimator.clearChanges()
        for event in syntheticEvents(50, seed: 5) { _ = estimator.process(event) }
        let changes = estimator.encodedChanges()
        let asFull = #expect(throws: StateDecodingError.self) {
            try ImportanceEstimator(configuration: configuration, restoring: changes)
        }
        #expect(asFull?.description.contains("change set stands where a full state should") == true)
        let asChanges = #expect(throws: StateDecodingError.self) {
            try ImportanceEstimator(configuration: configuration, restoring: full, changes: [full])
        }
        #expect(asChanges?.description.contains("full state stands where a change set should") == true)
    }
}
