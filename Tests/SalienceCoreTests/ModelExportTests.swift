import Foundation
import SalienceCore
import SalienceTestSupport
import Testing

/// Recomputes predictions from the export alone, following the feature-hashing
/// specification of Schemas/README.md line by line (not the estimator's code).
struct IndependentScorer {
    let export: ModelExport
    let weights: [Int: Double]

    init(_ export: ModelExport) {
        self.export = export
        weights = Dictionary(uniqueKeysWithValues: zip(export.indices, export.weights))
    }

    var seed: UInt64 { UInt64(export.hash.seed)! }
    var mask: UInt64 { (1 << UInt64(export.featureBits)) - 1 }

    func namespace(_ name: String) -> UInt64 { XXHash64.hash(name, seed: seed) }

    /// The identity hash of an id, from the string (not the event's stored hashes).
    func id(_ value: String) -> UInt64 { XXHash64.hash(value, seed: 0) }

    /// The documented mixer, written out again here.
    func mix(_ value: UInt64, _ seed: UInt64) -> UInt64 {
        var z = (value ^ seed) &+ 0x9E37_79B9_7F4A_7C15
        z = (z ^ (z >> 30)) &* 0xBF58_476D_1CE4_E5B9
        z = (z ^ (z >> 27)) &* 0x94D0_49BB_1331_11EB
        return z ^ (z >> 31)
    }

    func fieldHash(_ field: String, _ event: BehaviorEvent) -> UInt64? {
        let ns = namespace(field)
        let ms = event.timestamp
        switch field {
        case "user": return mix(id(event.userID), ns)
        case "item": return mix(id(event.itemID), ns)
        case "category": return event.categoryID.map { mix(id($0), ns) }
        case "session": return event.sessionID.map { mix(id($0), ns) }
        case "behavior": return mix(id(event.type.name), ns)
        case "hour": return mix(UInt64((ms / 3_600_000) % 24), ns)
        case "weekday": return mix(UInt64((ms / 86_400_000 + 3) % 7), ns)
        case "price_bucket": return event.price.map { mix(UInt64(floor(log2(1 + $0))), ns) }
        default: Issue.record("unknown field \(field)"); return nil
        }
    }

    func predict(_ event: BehaviorEvent) -> Double {
        var features: [(UInt64, Double)] = [(XXHash64.hash("bias", seed: seed), 1)]
        for field in export.fields {
            if let hash = fieldHash(field, event) { features.append((hash, 1)) }
        }
        for cross in export.crosses {
            let parts = cross.split(separator: "*").map(String.init)
            guard let a = fieldHash(parts[0], event), let b = fieldHash(parts[1], event) else { continue }
            features.append((mix(a &* 0x9E37_79B9_7F4A_7C15 &+ b, namespace(cross)), 1))
        }
        if export.includeContext {
            for entry in event.context {
                switch entry.value {
                case .string(let value):
                    features.append((mix(id(value), mix(id(entry.key), namespace("ctx"))), 1))
                case .number(let value):
                    features.append((mix(id(entry.key), namespace("ctx#")), value))
                }
            }
        }
        let dot = features.reduce(0.0) { $0 + (weights[Int($1.0 & mask)] ?? 0) * $1.1 }
        return 1 / (1 + exp(-min(max(dot, -35), 35)))
    }
}

@Suite(.ownThreads) struct ModelExportTests {
    @Test func aTrainerRecomputesPredictionsFromTheExport() throws {
        var configuration = smallConfiguration()
        configuration.features.fields = FeatureField.allCases
        configuration.features.crosses = [FeatureCross(.user, .category), FeatureCross(.item, .hour)]
        var estimator = ImportanceEstimator(configuration: configuration)
        var events = syntheticEvents(6000)
        for index in events.indices where index % 3 == 0 {
            events[index].context = [.init(key: "device", value: .string(index % 2 == 0 ? "ios" : "web")),
                                     .init(key: "dwell", value: .number(Double(index % 7)))]
        }
        // Prices beyond 2^64 fall past the hasher's table of price buckets.
        for index in events.indices where index % 5 == 0 { events[index].price = 1e25 * Double(1 + index % 4) }
        for event in events[..<5000] { _ = estimator.process(event) }

        let export = try ModelExport.decode(try ModelExport(estimator).jsonData())
        #expect(export.format == "salience.model.v2")
        #expect(export.hash.function == "xxh64-id+mix64")
        #expect(export.eventsSeen == 5000)
        #expect(export.indices.count > 100)
        // Each event: export the model as it stands, score independently, then let the estimator score and learn.
        for event in events[5000..<5200] {
            let scorer = IndependentScorer(try ModelExport.decode(try ModelExport(estimator).jsonData()))
            let expected = scorer.predict(event)
            let actual = estimator.process(event).sample.modelScore
            #expect(abs(expected - actual) < 1e-12)
        }
    }

    /// The export's own JSON writer says what Foundation's encoder says: the
    /// same keys, in sorted order, and values that parse equal.
    @Test func theWrittenJSONEqualsFoundationsEncoding() throws {
        var estimator = ImportanceEstimator(configuration: smallConfiguration())
        for event in syntheticEvents(3000) { _ = estimator.process(event) }
        let export = ModelExport(estimator)
        #expect(export.indices.count > 100)
        let written = try export.jsonData()
        let encoder = JSONEncoder()
        encoder.outputFormatting = [.sortedKeys]
        let reference = try encoder.encode(export)
        let parsed = try #require(JSONSerialization.jsonObject(with: written) as? NSDictionary)
        #expect(parsed.isEqual(try JSONSerialization.jsonObject(with: reference) as? NSDictionary))
        #expect(try ModelExport.decode(written) == export)
        // Byte for byte, but for integral doubles, which Foundation writes without ".0".
        let normalized = String(decoding: written, as: UTF8.self)
            .replacing(/(\d)\.0([,\]\}])/) { "\($0.output.1)\($0.output.2)" }
        #expect(normalized == String(decoding: reference, as: UTF8.self))
        var noEventTime = export
        noEventTime.maxEventTime = nil
        #expect(try ModelExport.decode(noEventTime.jsonData()) == noEventTime)
    }

    @Test func otherFormatsAreRefused() throws {
        let estimator = ImportanceEstimator(configuration: smallConfiguration())
        var json = String(decoding: try ModelExport(estimator).jsonData(), as: UTF8.self)
        json = json.replacingOccurrences(of: "salience.model.v2", with: "salience.model.v1")
        let error = #expect(throws: StateDecodingError.self) { try ModelExport.decode(Data(json.utf8)) }
        #expect(error?.detail.contains("salience.model.v1") == true)
        #expect(error?.detail.contains("export the model again") == true)
    }
}
