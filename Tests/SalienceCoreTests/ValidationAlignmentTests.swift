@testable import SalienceCore
import Foundation
import SalienceDatasets
import SalienceTestSupport
import Testing

@Suite(.ownThreads) struct ValidationAlignmentTests {
    static func configuration() -> EstimatorConfiguration {
        var configuration = smallConfiguration()
        configuration.validationAlignment.enabled = true
        return configuration
    }

    static func draws(noise: Double, count: Int = 60_000) -> [ClickModelStream.Draw] {
        Array(ClickModelStream(configuration: .init(events: count, users: 4_000, items: 3_000, labelNoise: noise)))
    }

    @Test func anEventWeighsByHowItsGradientAgreesWithTheHeldBackOnes() {
        // Weights are max(0, alignment) over their mean: about half the
        // events oppose the validation gradient and weigh 0, the rest
        // average about 2, and all of them about 1.
        var estimator = ImportanceEstimator(configuration: Self.configuration())
        var weights: [Double] = []
        for (index, draw) in Self.draws(noise: 0.3).enumerated() {
            let weight = estimator.process(draw.event).sample.components.validation!
            if index >= 10_000 { weights.append(weight) }
        }
        let mean = weights.reduce(0, +) / Double(weights.count)
        #expect(abs(mean - 1) < 0.2, "mean weight \(mean)")
        let zeros = Double(weights.filter { $0 == 0 }.count) / Double(weights.count)
        #expect(zeros > 0.05 && zeros < 0.95, "share of zero weights \(zeros)")
    }

    @Test func itIsOffByDefaultAndThenLeavesSamplesAsTheyWere() throws {
        var plain = ImportanceEstimator(configuration: smallConfiguration())
        let sample = plain.process(syntheticEvents(1)[0]).sample
        #expect(sample.components.validation == nil)
        var writer = JSONWriter()
        sample.write(to: &writer)
        #expect(!String(decoding: writer.bytes, as: UTF8.self).contains("validation"))
    }

    @Test func theComponentMultipliesTheObjectiveAndIsInEveryFormat() throws {
        var estimator = ImportanceEstimator(configuration: Self.configuration())
        var seenNonUnit = false
        for (offset, draw) in Self.draws(noise: 0, count: 3_000).enumerated() {
            let sample = estimator.process(draw.event, source: SourcePosition(topic: "events", partition: 0, offset: Int64(offset))).sample
            let components = sample.components
            let validation = try #require(components.validation)
            #expect(validation >= 0)
            #expect(components.objectiveRaw == components.expert * components.classBalance * components.popularity * components.userDamping * validation)
            if validation != 1 { seenNonUnit = true }
            var writer = JSONWriter()
            sample.write(to: &writer)
            let json = try #require(try JSONSerialization.jsonObject(with: Data(writer.bytes)) as? [String: Any])
            let written = try #require((json["objective"] as? [String: Any])?["validation"] as? Double)
            #expect(abs(written - validation) <= 1e-15 * max(1, validation))
            var reader = ProtobufWireReader(bytes: sample.protobufBytes)
            let fields = try reader.fields()
            // An optional field: present even when 0.
            #expect(fields[8]?.message?[7]?.double == validation)
            var binary = BinaryWriter()
            sample.encode(to: &binary)
            var back = BinaryReader(binary.bytes)
            #expect(try WeightedSample(from: &back).components.validation == validation)
        }
        #expect(seenNonUnit)
    }

    @Test func aRestoreMidStreamContinuesIdentically() throws {
        let events = Self.draws(noise: 0.1, count: 12_000).map(\.event)
        var uninterrupted = ImportanceEstimator(configuration: Self.configuration())
        let expected = events.map { uninterrupted.process($0) }
        var before = ImportanceEstimator(configuration: Self.configuration())
        let head = events[..<5_000].map { before.process($0) }
        var after = try ImportanceEstimator(configuration: Self.configuration(), restoring: before.encodedState())
        let tail = events[5_000...].map { after.process($0) }
        #expect(head + tail == expected)
        #expect(after.encodedState() == uninterrupted.encodedState())
        // A checkpoint written without the component is refused with it on (another fingerprint).
        #expect(throws: StateDecodingError.self) { _ = try ImportanceEstimator(configuration: Self.configuration(), restoring: ImportanceEstimator(configuration: smallConfiguration()).encodedState()) }
    }

    @Test func badSettingsNameTheirKey() {
        var configuration = Self.configuration()
        configuration.validationAlignment.share = 1
        configuration.validationAlignment.reservoir = 2
        let errors = configuration.validationErrors()
        #expect(errors.contains { $0.hasPrefix("validation_alignment.share") })
        #expect(errors.contains { $0.hasPrefix("validation_alignment.reservoir") })
    }
}
