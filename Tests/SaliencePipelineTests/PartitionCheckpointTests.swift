import SalienceCore
import SalienceDatasets
@testable import SaliencePipeline
import Testing

@Suite struct PartitionCheckpointTests {
    static func estimator(events: Int) -> (ImportanceEstimator, EstimatorConfiguration) {
        let configuration = EstimatorConfiguration()
        var estimator = ImportanceEstimator(configuration: configuration)
        for event in SyntheticEventStream(configuration: .init(seed: 9)).prefix(events) { _ = estimator.process(event) }
        return (estimator, configuration)
    }

    /// A default-size state that has seen little holds only what it wrote
    /// (the dense tables were about 42 MB); compressed it is smaller still,
    /// and it decodes to the same state byte for byte.
    @Test func aCheckpointRoundTripsThroughCompressionAndIsSmall() throws {
        let (estimator, configuration) = Self.estimator(events: 1000)
        let state = estimator.encodedState()
        let checkpoint = PartitionCheckpoint(group: "g", topic: "events", partition: 3, nextOffset: 1000, estimatorState: state)
        let bytes = checkpoint.encoded(fingerprint: configuration.fingerprint)
        #expect(state.count < 300_000, "the state of 1,000 events: \(state.count) bytes")
        #expect(bytes.count < state.count, "compressed: \(bytes.count) bytes")
        let decoded = try PartitionCheckpoint.decode(bytes, expectedFingerprint: configuration.fingerprint)
        #expect(decoded.estimatorState == state)
        #expect(decoded.key == "g/events/3" && decoded.nextOffset == 1000)
    }

    /// A zlib stream that does not decompress (its CRC-32C recomputed, so only
    /// the stream is wrong) is refused, never half-loaded.
    @Test func aBrokenCompressedStreamIsRefused() throws {
        let (estimator, configuration) = Self.estimator(events: 10)
        var bytes = PartitionCheckpoint(group: "g", topic: "t", partition: 0, nextOffset: 10, estimatorState: estimator.encodedState())
            .encoded(fingerprint: configuration.fingerprint)
        let payload = Array(bytes[26..<(bytes.count - 4)])
        var broken = payload
        for index in 12..<40 { broken[index] ^= 0x5A }
        bytes = StateEnvelope.seal(broken, fingerprint: configuration.fingerprint)
        #expect(throws: StateDecodingError.self) { try PartitionCheckpoint.decode(bytes, expectedFingerprint: nil) }
    }

    /// A checkpoint of format version 1 (uncompressed) or 2 (dense tables),
    /// both before this build, is refused with a message saying what to do.
    @Test(arguments: [UInt8(1), 2])
    func anEarlierVersionsCheckpointIsRefusedSayingToReplay(version: UInt8) throws {
        let (estimator, configuration) = Self.estimator(events: 10)
        var bytes = PartitionCheckpoint(group: "g", topic: "t", partition: 0, nextOffset: 10, estimatorState: estimator.encodedState())
            .encoded(fingerprint: configuration.fingerprint)
        bytes[8] = version
        bytes[9] = 0
        let error = #expect(throws: StateDecodingError.self) { try PartitionCheckpoint.decode(bytes, expectedFingerprint: nil) }
        #expect(error?.description.contains("format version \(version)") == true)
        #expect(error?.description.contains("replay the input, or start a new group") == true, "\(String(describing: error))")
    }
}
