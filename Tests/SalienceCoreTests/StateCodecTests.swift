import SalienceCore
import SalienceTestSupport
import Testing

@Suite(.ownThreads) struct StateCodecTests {
    func trainedState() -> (EstimatorConfiguration, [UInt8]) {
        let configuration = smallConfiguration()
        var estimator = ImportanceEstimator(configuration: configuration)
        for event in syntheticEvents(3000) { _ = estimator.process(event) }
        return (configuration, estimator.encodedState())
    }

    @Test func exactRoundTrip() throws {
        let (configuration, bytes) = trainedState()
        let restored = try ImportanceEstimator(configuration: configuration, restoring: bytes)
        #expect(restored.encodedState() == bytes)
        #expect(restored.eventsProcessed == 3000)
        let header = try StateEnvelope.header(of: bytes)
        #expect(header.formatVersion == StateEnvelope.formatVersion)
        #expect(header.fingerprint == configuration.fingerprint)
    }

    @Test func truncatedStateIsRefused() {
        let (configuration, bytes) = trainedState()
        for length in [0, 5, 20, bytes.count / 2, bytes.count - 1] {
            let error = #expect(throws: StateDecodingError.self) {
                try ImportanceEstimator(configuration: configuration, restoring: Array(bytes.prefix(length)))
            }
            #expect(error?.reason == (length < 8 ? .notAState : .truncated), "length \(length)")
        }
    }

    @Test func corruptedStateIsRefusedByItsChecksum() {
        let (configuration, bytes) = trainedState()
        for position in [30, bytes.count / 2, bytes.count - 5] {
            var corrupted = bytes
            corrupted[position] ^= 0x40
            let error = #expect(throws: StateDecodingError.self) {
                try ImportanceEstimator(configuration: configuration, restoring: corrupted)
            }
            #expect(error?.reason == .checksumMismatch)
            #expect(error?.description.contains("CRC-32C") == true)
        }
    }

    @Test func anotherFormatVersionIsRefused() {
        let (configuration, bytes) = trainedState()
        var future = bytes
        future[8] = 9
        let error = #expect(throws: StateDecodingError.self) {
            try ImportanceEstimator(configuration: configuration, restoring: future)
        }
        #expect(error?.reason == .unsupportedVersion)
        #expect(error?.detail.contains("version 9") == true)
    }

    @Test func anotherConfigurationIsRefused() {
        let (configuration, bytes) = trainedState()
        var other = configuration
        other.popularityExponent = 0.5
        #expect(other.fingerprint != configuration.fingerprint)
        let error = #expect(throws: StateDecodingError.self) {
            try ImportanceEstimator(configuration: other, restoring: bytes)
        }
        #expect(error?.reason == .configurationMismatch)
    }

    @Test func somethingElseEntirelyIsRefused() {
        let error = #expect(throws: StateDecodingError.self) {
            try ImportanceEstimator(configuration: smallConfiguration(), restoring: Array("{\"hello\": 1}".utf8))
        }
        #expect(error?.reason == .notAState)
    }
}
