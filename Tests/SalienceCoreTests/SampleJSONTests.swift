import Foundation
import SalienceCore
import SalienceTestSupport
import Testing

@Suite(.ownThreads) struct SampleJSONTests {
    /// The keys of every object in a JSON document, dotted.
    func keyPaths(_ value: Any, prefix: String = "") -> Set<String> {
        guard let object = value as? [String: Any] else { return [] }
        var paths = Set<String>()
        for (key, child) in object {
            paths.insert(prefix + key)
            paths.formUnion(keyPaths(child, prefix: prefix + key + "."))
        }
        return paths
    }

    @Test func samplesHaveTheShapeOfTheSchemaExample() throws {
        let example = URL(fileURLWithPath: #filePath)
            .deletingLastPathComponent().deletingLastPathComponent().deletingLastPathComponent()
            .appendingPathComponent("Schemas/examples/weighted-sample/valid-kafka.json")
        let expected = keyPaths(try JSONSerialization.jsonObject(with: Data(contentsOf: example)))
        var estimator = ImportanceEstimator(configuration: smallConfiguration())
        for (offset, event) in syntheticEvents(50).enumerated() {
            var unnamed = event
            unnamed.eventID = nil
            let sample = estimator.process(unnamed, source: SourcePosition(topic: "events", partition: 3, offset: Int64(offset))).sample
            let json = try JSONSerialization.jsonObject(with: Data(sample.jsonBytes)) as! [String: Any]
            #expect(keyPaths(json) == expected)
            #expect(json["event_id"] as? String == "events/3/\(offset)")
            let objective = json["objective"] as! [String: Any]
            let sampling = json["sampling"] as! [String: Any]
            #expect(json["weight"] as? Double == (objective["weight"] as! Double) * (sampling["weight"] as! Double))
        }
    }

    @Test func eventsEncodeToCanonicalJSON() {
        let event = BehaviorEvent(userID: "u\"1", itemID: "i", type: .cart, timestamp: 1, price: 2.5,
                                  context: [.init(key: "d", value: .string("ios"))])
        #expect(String(decoding: event.jsonBytes, as: UTF8.self)
            == #"{"user_id":"u\"1","item_id":"i","type":"cart","ts":1,"price":2.5,"context":{"d":"ios"}}"#)
    }
}

/// Samples of the delayed-feedback policies and generated negatives have the
/// shape of their schema examples, and their weight is the product of its factors.
@Suite(.ownThreads) struct LabelledSampleJSONTests {
    static func example(_ name: String) throws -> Set<String> {
        let url = URL(fileURLWithPath: #filePath)
            .deletingLastPathComponent().deletingLastPathComponent().deletingLastPathComponent()
            .appendingPathComponent("Schemas/examples/weighted-sample/\(name)")
        return SampleJSONTests().keyPaths(try JSONSerialization.jsonObject(with: Data(contentsOf: url)))
    }

    static func samples(_ policy: LabelPolicy, negatives: Int) -> [WeightedSample] {
        var configuration = smallConfiguration()
        configuration.labels.policy = policy
        configuration.labels.conversionModelBits = 12
        configuration.negatives.perPositive = negatives
        configuration.negatives.rebuildEveryEvents = 2
        var estimator = ImportanceEstimator(configuration: configuration)
        var samples: [WeightedSample] = []
        let start: Int64 = 1_700_000_000_000
        for (index, event) in [
            BehaviorEvent(userID: "u1", itemID: "i1", type: .view, timestamp: start, eventID: "e1"),
            BehaviorEvent(userID: "u2", itemID: "i2", type: .view, timestamp: start + 1000, eventID: "e2"),
            BehaviorEvent(userID: "u3", itemID: "i3", type: .view, timestamp: start + 2000, eventID: "e3"),
            BehaviorEvent(userID: "u1", itemID: "i1", type: .purchase, timestamp: start + 60_000, eventID: "e4"),
        ].enumerated() {
            _ = estimator.release(event, source: SourcePosition(topic: "events", partition: 0, offset: Int64(index)), into: &samples)
        }
        return samples
    }

    @Test func labelledSamplesHaveTheShapeOfTheirExamples() throws {
        let attribution = Self.samples(.attribution, negatives: 1)
        let fake = Self.samples(.fakeNegative, negatives: 0)
        let cases: [(WeightedSample?, String)] = [
            (attribution.first { $0.origin == .exposure && $0.label == 1 }, "valid-attribution-converted.json"),
            (attribution.first { $0.origin == .sampledNegative }, "valid-sampled-negative.json"),
            (fake.first { $0.origin == .convertedDuplicate }, "valid-fake-negative-duplicate.json"),
        ]
        for (sample, file) in cases {
            let sample = try #require(sample, "no sample for \(file)")
            let json = try JSONSerialization.jsonObject(with: Data(sample.jsonBytes)) as! [String: Any]
            #expect(SampleJSONTests().keyPaths(json) == (try Self.example(file)), "\(file)")
            #expect(abs(sample.weight - sample.components.objective * sample.components.samplingWeight * sample.components.delayedFeedback) < 1e-12)
        }
    }
}
