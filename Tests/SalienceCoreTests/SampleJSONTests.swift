import Foundation
import SalienceCore
import Testing

@Suite struct SampleJSONTests {
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
