@testable import SaliencePipeline
import SalienceCore
import SalienceDatasets
import SalienceTestSupport
import Testing

/// Checkpoint generations without a broker: parts, manifests, and choosing
/// the newest restorable generation from what a store holds.
@Suite(.ownThreads) struct PartitionCheckpointTests {
    static let configuration = EstimatorConfiguration()
    static let fingerprint = configuration.fingerprint

    static func events(_ count: Int, seed: UInt64 = 9) -> [BehaviorEvent] {
        Array(SyntheticEventStream(configuration: .init(users: 400, items: 900, categories: 30, seed: seed)).prefix(count))
    }

    /// A stored generation chain: generation 0 a full state, each later one a
    /// change set of 500 more events; `stored` holds every part and manifest
    /// as the topic would (by name and generation), `states` the estimator's
    /// full state after each generation.
    struct Chain {
        var stored: ChunkedRecords.Found = [:]
        var states: [[UInt8]] = []
        var manifests: [CheckpointManifest] = []
    }

    static func chain(generations: Int, fullEvery: Int = 100) -> Chain {
        var chain = Chain()
        var estimator = ImportanceEstimator(configuration: configuration)
        let stream = events(500 * generations)
        var previous: CheckpointManifest?
        for generation in 0..<generations {
            for event in stream[(generation * 500)..<((generation + 1) * 500)] { _ = estimator.process(event) }
            let full = previous == nil || previous!.parts.count >= fullEvery
            let part = CheckpointPart(
                kind: full ? .full : .changes, generation: UInt64(generation), fullSlot: previous?.parts[0].name == "full-0" ? 1 : 0,
                state: full ? estimator.encodedState() : estimator.encodedChanges(), fingerprint: fingerprint
            )
            let entry = CheckpointManifest.entry(part, maxChunkBytes: 1 << 20)
            let manifest = CheckpointManifest(
                group: "g", topic: "events", partition: 3, nextOffset: Int64((generation + 1) * 500),
                generation: UInt64(generation), maxEventTime: estimator.maxEventTime, parts: full ? [entry] : previous!.parts + [entry]
            )
            chain.stored[part.name, default: [:]][UInt64(generation)] = part.bytes
            chain.stored[CheckpointManifest.name(generation: UInt64(generation)), default: [:]][UInt64(generation)] = manifest.encoded(fingerprint: fingerprint)
            chain.states.append(estimator.encodedState())
            chain.manifests.append(manifest)
            estimator.clearChanges()
            previous = manifest
        }
        return chain
    }

    static func restoredState(_ outcome: CheckpointGenerations.Outcome?) throws -> [UInt8]? {
        try outcome?.checkpoint?.estimator(configuration: configuration).encodedState()
    }

    /// The newest generation restores the very state the estimator had, from
    /// its full state and every change set after it; each change set is a
    /// fraction of the full state.
    @Test func theNewestGenerationRestoresTheState() throws {
        let chain = Self.chain(generations: 5)
        let outcome = CheckpointGenerations.newest(chain.stored, exhausted: false)
        #expect(outcome?.checkpoint?.generation == 4)
        #expect(outcome?.checkpoint?.estimatorChanges.count == 4)
        #expect(outcome?.checkpoint?.nextOffset == 2500)
        #expect(outcome?.checkpoint?.key == "g/events/3")
        #expect(try Self.restoredState(outcome) == chain.states[4])
        #expect(outcome?.refused == [])
        // Once the state has grown, a change set is well under what a full state would then take.
        for generation in [3, 4] {
            let full = CheckpointPart(kind: .full, generation: 0, fullSlot: 0, state: chain.states[generation], fingerprint: Self.fingerprint).bytes.count
            let change = chain.manifests[4].parts[generation].byteCount
            #expect(change * 2 < full, "generation \(generation): change set \(change) B, full state \(full) B")
        }
    }

    /// A full state every N checkpoints alternates between two names, and the
    /// manifest lists only what came since the newest.
    @Test func aFullStateEveryNAlternatesItsName() throws {
        let chain = Self.chain(generations: 7, fullEvery: 3)
        #expect(chain.manifests.map { $0.parts.map(\.name) } == [
            ["full-0"], ["full-0", "changes-1"], ["full-0", "changes-1", "changes-2"],
            ["full-1"], ["full-1", "changes-4"], ["full-1", "changes-4", "changes-5"], ["full-0"],
        ])
        #expect(try Self.restoredState(CheckpointGenerations.newest(chain.stored, exhausted: true)) == chain.states[6])
    }

    /// The writer's rule: a full state without a previous generation, every
    /// `fullEvery` parts, when asked (after an eviction), and when the change
    /// sets since the full state would outgrow twice its size; a change set
    /// otherwise, appended to the previous manifest's parts.
    @Test func theNextCheckpointIsAFullStateOnlyWhenItShouldBe() {
        var estimator = ImportanceEstimator(configuration: Self.configuration)
        let stream = Self.events(3000)
        for event in stream[..<2000] { _ = estimator.process(event) }
        func next(after previous: CheckpointManifest?, fullEvery: Int = 10, fullDue: Bool = false) -> (part: CheckpointPart, manifest: CheckpointManifest) {
            CheckpointManifest.next(
                after: previous, of: estimator, group: "g", topic: "events", partition: 1, nextOffset: 2000,
                generation: previous.map { $0.generation + 1 } ?? 0, fullEvery: fullEvery, fullDue: fullDue, maxChunkBytes: 1 << 20
            )
        }
        let first = next(after: nil)
        #expect(first.part.kind == .full && first.part.name == "full-0")
        #expect(first.manifest.parts == [CheckpointManifest.entry(first.part, maxChunkBytes: 1 << 20)])
        estimator.clearChanges()
        for event in stream[2000..<2100] { _ = estimator.process(event) }
        let second = next(after: first.manifest)
        #expect(second.part.kind == .changes && second.part.name == "changes-1")
        #expect(second.manifest.parts.map(\.name) == ["full-0", "changes-1"])
        #expect(second.manifest.generation == 1 && second.manifest.nextOffset == 2000)
        #expect(next(after: second.manifest, fullEvery: 2).part.name == "full-1")
        #expect(next(after: second.manifest, fullDue: true).part.name == "full-1")
        var small = second.manifest
        small.parts[0].byteCount = second.manifest.parts[1].byteCount / 2
        #expect(next(after: small).part.kind == .full, "change sets past twice the full state")
        small.parts[0].byteCount = second.manifest.parts[1].byteCount * 2
        #expect(next(after: small).part.kind == .changes, "change sets within twice the full state")
    }

    /// A crash while a generation was written leaves its parts without a
    /// manifest (the manifest goes last): the previous generation is restored.
    @Test func aTornGenerationFallsBackToThePreviousOne() throws {
        var chain = Self.chain(generations: 4)
        chain.stored["manifest-1"]![3] = nil
        let outcome = CheckpointGenerations.newest(chain.stored, exhausted: false)
        #expect(outcome?.checkpoint?.generation == 2)
        #expect(try Self.restoredState(outcome) == chain.states[2])
    }

    /// A part the newest manifest names but the store no longer holds: while
    /// the scan may still find it the answer waits; once everything was read
    /// the generation is refused naming the part, and an older complete one
    /// is restored — or none, when the full state itself is gone.
    @Test func aMissingPartIsNamedAndAnOlderGenerationRestored() throws {
        var chain = Self.chain(generations: 4)
        chain.stored["changes-3"] = nil
        #expect(CheckpointGenerations.newest(chain.stored, exhausted: false) == nil)
        let outcome = CheckpointGenerations.newest(chain.stored, exhausted: true)
        #expect(outcome?.checkpoint?.generation == 2)
        #expect(outcome?.refused.count == 1)
        #expect(outcome?.refused.first?.contains("generation 3: missing changes-3 of generation 3") == true, "\(outcome?.refused ?? [])")
        #expect(outcome?.highestGeneration == 3)

        chain.stored["full-0"] = nil
        let evicted = try #require(CheckpointGenerations.newest(chain.stored, exhausted: true))
        #expect(evicted.checkpoint == nil)
        #expect(evicted.refused.count == 4)
        #expect(evicted.refused.allSatisfy { $0.contains("full-0 of generation 0") && $0.contains("evicted") })
    }

    /// A part whose bytes do not match the manifest's checksum is refused,
    /// with every generation that needs it; never half-loaded.
    @Test func aPartWithABadChecksumIsRefused() throws {
        var chain = Self.chain(generations: 4)
        chain.stored["changes-2"]![2]![100] ^= 0x20
        let outcome = CheckpointGenerations.newest(chain.stored, exhausted: true)
        #expect(outcome?.checkpoint?.generation == 1)
        #expect(try Self.restoredState(outcome) == chain.states[1])
        #expect(outcome?.refused.count == 2)
        #expect(outcome?.refused.allSatisfy { $0.contains("changes-2 of generation 2 does not match its checksum") } == true)
    }

    /// Stale records under the names a generation uses (a part of the same
    /// name but another generation, a manifest stored under another
    /// generation's number) are not taken for it.
    @Test func recordsOfOtherGenerationsAreNotTakenForTheNewest() throws {
        var chain = Self.chain(generations: 3, fullEvery: 2)
        // Generation 2 is a full state again, named full-1; a full-1 of another generation is no use to it.
        #expect(chain.manifests[2].parts.map(\.name) == ["full-1"])
        let full = chain.stored["full-1"]![2]!
        chain.stored["full-1"] = [7: full]
        chain.stored["manifest-0"]![4] = chain.stored["manifest-0"]![2]
        let outcome = CheckpointGenerations.newest(chain.stored, exhausted: true)
        #expect(outcome?.checkpoint?.generation == 1)
        #expect(outcome?.refused.first == "generation 4: its manifest names generation 2")
        #expect(outcome?.refused.dropFirst().first?.contains("missing full-1 of generation 2") == true)
    }

    /// A manifest that does not list one full state and then change sets in
    /// generation order is refused.
    @Test func aManifestOutOfOrderIsRefused() throws {
        let chain = Self.chain(generations: 3)
        var manifest = chain.manifests[2]
        manifest.parts.swapAt(1, 2)
        #expect(throws: StateDecodingError.self) { try CheckpointManifest.decode(manifest.encoded(fingerprint: Self.fingerprint)) }
        manifest = chain.manifests[2]
        manifest.parts.swapAt(0, 1)
        #expect(throws: StateDecodingError.self) { try CheckpointManifest.decode(manifest.encoded(fingerprint: Self.fingerprint)) }
        manifest = chain.manifests[1]
        manifest.generation = 0
        #expect(throws: StateDecodingError.self) { try CheckpointManifest.decode(manifest.encoded(fingerprint: Self.fingerprint)) }
        #expect(try CheckpointManifest.decode(chain.manifests[2].encoded(fingerprint: Self.fingerprint)) == chain.manifests[2])
    }

    /// A default-size state that has seen little holds only what it wrote
    /// (the dense tables would be about 24 MB); compressed it is smaller still.
    @Test func aPartIsCompressedAndRoundTrips() throws {
        var estimator = ImportanceEstimator(configuration: Self.configuration)
        for event in Self.events(1000) { _ = estimator.process(event) }
        let state = estimator.encodedState()
        let part = CheckpointPart(kind: .full, generation: 5, fullSlot: 1, state: state, fingerprint: Self.fingerprint)
        #expect(part.name == "full-1")
        #expect(state.count < 300_000, "the state of 1,000 events: \(state.count) bytes")
        #expect(part.bytes.count < state.count, "compressed: \(part.bytes.count) bytes")
        #expect(try CheckpointPart.state(of: part.bytes) == state)
        #expect(CheckpointPart.storedGeneration(of: part.bytes) == 5)
    }

    /// A zstd frame that does not decompress, or decompresses to something
    /// else (its CRC-32C recomputed, so only the frame is wrong), is refused.
    @Test func aBrokenCompressedStreamIsRefused() throws {
        var estimator = ImportanceEstimator(configuration: Self.configuration)
        for event in Self.events(10) { _ = estimator.process(event) }
        let bytes = CheckpointPart(kind: .full, generation: 0, fullSlot: 0, state: estimator.encodedState(), fingerprint: Self.fingerprint).bytes
        var payload = Array(bytes[26..<(bytes.count - 4)])
        for index in 20..<48 { payload[index] ^= 0x5A }
        #expect(throws: StateDecodingError.self) { try CheckpointPart.state(of: StateEnvelope.seal(payload, fingerprint: Self.fingerprint)) }
    }

    /// A checkpoint of an earlier format version (1: uncompressed, 2: dense
    /// tables, 3: no keep-rate controller, 4: whole states only, 5: a string
    /// hash per feature and zlib, 6: fdlibm's `exp`, 7: sketches without
    /// exact counts) is refused with a message saying what to do.
    @Test(arguments: [UInt8(1), 2, 3, 4, 5, 6, 7])
    func anEarlierVersionsCheckpointIsRefusedSayingToReplay(version: UInt8) throws {
        var chain = Self.chain(generations: 1)
        chain.stored["full-0"]![0]![8] = version
        chain.stored["full-0"]![0]![9] = 0
        let error = #expect(throws: StateDecodingError.self) { try CheckpointPart.state(of: chain.stored["full-0"]![0]!) }
        #expect(error?.description.contains("format version \(version)") == true)
        #expect(error?.description.contains("replay the input, or start a new group") == true, "\(String(describing: error))")
        chain.stored["manifest-0"]![0]![8] = version
        let outcome = CheckpointGenerations.newest(chain.stored, exhausted: true)
        #expect(outcome?.checkpoint == nil)
        #expect(outcome?.refused.first?.contains("replay the input, or start a new group") == true)
    }
}
