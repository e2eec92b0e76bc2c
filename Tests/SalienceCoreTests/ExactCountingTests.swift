import Foundation
@testable import SalienceCore
import SalienceTestSupport
import Testing

/// The frequency sketches count exactly while they have seen few ids, then
/// hand every count to the count-min sketch.
@Suite(.ownThreads) struct ExactCountingTests {
    /// ε = 0.01, δ = 0.01: 5 rows of 512 cells (20 KiB), so at most 768 ids are counted exactly
    /// (in a table of 1,024 positions: 12 KiB).
    func smallSketch() -> DecayedCountMinSketch {
        DecayedCountMinSketch(epsilon: 0.01, delta: 0.01, halfLife: .seconds(60), seed: 9)
    }

    /// The decayed count of each key, computed directly: Σ 2^(−(read − t)/halfLife).
    struct Truth {
        var sightings: [UInt64: [Double]] = [:]

        func count(_ key: UInt64, at time: Double) -> Double {
            (sightings[key] ?? []).reduce(0) { $0 + Foundation.exp2(-(time - $1) / 60) }
        }
    }

    /// Feeds one sighting of each key `0 ..< distinct`, then `count` more of
    /// them (skewed: low keys often), from `time` on, a second apart; returns
    /// the time after the last.
    func feed(_ sketch: inout DecayedCountMinSketch, _ truth: inout Truth, distinct: UInt64, count: Int,
              from time: Double, generator: inout SplitMix64) -> Double {
        var time = time
        for index in 0..<Int(distinct) + count {
            let key = index < distinct ? UInt64(index) : min(generator.next() % distinct, generator.next() % distinct)
            sketch.add(key, at: time, readAt: time)
            truth.sightings[key, default: []].append(time)
            time += 1
        }
        return time
    }

    @Test func belowTheLimitEveryCountIsExact() {
        var sketch = smallSketch()
        #expect(sketch.exactLimit == 768)
        var truth = Truth()
        var generator = SplitMix64(seed: 1)
        let end = feed(&sketch, &truth, distinct: 200, count: 5000, from: 1_700_000_000, generator: &generator)
        let exactly = sketch.countingExactly
        #expect(exactly)
        for key in UInt64(0)..<220 {
            let expected = truth.count(key, at: end)
            #expect(abs(sketch.estimate(key, at: end) - expected) <= 1e-9 * max(expected, 1), "key \(key)")
        }
        // 200 ids in a table of 512 positions (256 hold 192): 6 KiB, not the sketch's 20.
        #expect(sketch.memoryBytes == 512 * 12 + 512 / 8)
    }

    @Test func pastTheLimitTheSketchTakesOverWithoutUndercounting() {
        var sketch = smallSketch()
        var truth = Truth()
        var generator = SplitMix64(seed: 2)
        var time = feed(&sketch, &truth, distinct: 768, count: 20_000, from: 1_700_000_000, generator: &generator)
        let before = sketch.countingExactly
        #expect(before, "768 ids fit")
        // One id more moves every count into the sketch.
        sketch.add(1000, at: time, readAt: time)
        truth.sightings[1000] = [time]
        let after = sketch.countingExactly
        #expect(!after)
        time = feed(&sketch, &truth, distinct: 2000, count: 20_000, from: time + 1, generator: &generator)
        var total = 0.0
        for key in truth.sightings.keys { total += truth.count(key, at: time) }
        var within = 0
        for key in truth.sightings.keys {
            let expected = truth.count(key, at: time)
            let estimate = sketch.estimate(key, at: time)
            #expect(estimate >= expected * (1 - 1e-9), "key \(key): \(estimate) below \(expected)")
            if estimate - expected <= 0.01 * total { within += 1 }
        }
        #expect(Double(within) / Double(truth.sightings.count) >= 0.99)
        // The exact table is freed: the sketch holds at most its cells and their changed bits.
        #expect(sketch.memoryBytes <= sketch.depth * sketch.width * 8 + sketch.depth * sketch.width / 8)
    }

    /// Change sets before, across and after the move restore the live sketch.
    @Test func changeSetsAcrossTheMoveRestoreTheSketch() throws {
        var sketch = smallSketch()
        var truth = Truth()
        var generator = SplitMix64(seed: 3)
        var time = feed(&sketch, &truth, distinct: 100, count: 2000, from: 1_700_000_000, generator: &generator)
        let full = encode(sketch, changesOnly: false)
        sketch.clearChanges()
        var changes: [[UInt8]] = []
        for distinct: UInt64 in [200, 1000, 3000] {
            time = feed(&sketch, &truth, distinct: distinct, count: 3000, from: time, generator: &generator)
            changes.append(encode(sketch, changesOnly: true))
            sketch.clearChanges()
            let exactly = sketch.countingExactly
            #expect(exactly == (distinct == 200))
        }
        var restored = try decode(full, changesOnly: false)
        for change in changes { restored = try restored.overlaid(with: try decode(change, changesOnly: true)) }
        let equal = restored == sketch
        #expect(equal)
        #expect(encode(restored, changesOnly: false) == encode(sketch, changesOnly: false))

        // Exact counts after the sketch took over are refused.
        let exactChanges = try decode(changes[0], changesOnly: true)
        #expect(throws: StateDecodingError.self) { try restored.overlaid(with: exactChanges) }
    }

    /// A state claiming the exact phase with sketch cells written, or the
    /// sketch phase with exact counts left, is refused.
    @Test(arguments: [true, false])
    func countsInTheOtherPhasesTableAreRefused(claimingExact: Bool) {
        var writer = BinaryWriter()
        writer.write(Int64(512))
        writer.write(Int64(5))
        writer.write(UInt64(9))
        ForwardDecay(halfLife: .seconds(60)).encode(to: &writer)
        writer.write(claimingExact)
        var written = SlotTable<DecayedCountMinSketch.Cell>(capacity: claimingExact ? 512 * 5 : DecayedCountMinSketch.fingerprints)
        written.reserve(1)
        let position = written.insert(7)
        written.withValues { $0[position].count = 1 }
        let empty = SlotTable<DecayedCountMinSketch.Cell>(capacity: claimingExact ? DecayedCountMinSketch.fingerprints : 512 * 5)
        for table in claimingExact ? [empty, written] : [written, empty] {
            table.encode(to: &writer) { cell, writer in writer.write(cell.count) }
        }
        var reader = BinaryReader(writer.bytes)
        #expect(throws: StateDecodingError.self) { try DecayedCountMinSketch(from: &reader) }
    }

    func encode(_ sketch: DecayedCountMinSketch, changesOnly: Bool) -> [UInt8] {
        var writer = BinaryWriter(changesOnly: changesOnly)
        sketch.encode(to: &writer)
        return writer.bytes
    }

    func decode(_ bytes: [UInt8], changesOnly: Bool) throws -> DecayedCountMinSketch {
        var reader = BinaryReader(bytes, changesOnly: changesOnly)
        return try DecayedCountMinSketch(from: &reader)
    }
}
