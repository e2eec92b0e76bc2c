import Foundation
import SalienceCore
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

    func fieldHash(_ field: String, _ event: BehaviorEvent) -> UInt64? {
        let ns = namespace(field)
        let ms = event.timestamp
        switch field {
        case "user": return XXHash64.hash(event.userID, seed: ns)
        case "item": return XXHash64.hash(event.itemID, seed: ns)
        case "category": return event.categoryID.map { XXHash64.hash($0, seed: ns) }
        case "session": return event.sessionID.map { XXHash64.hash($0, seed: ns) }
        case "behavior": return XXHash64.hash(event.type.name, seed: ns)
        case "hour": return XXHash64.hash(UInt64((ms / 3_600_000) % 24), seed: ns)
        case "weekday": return XXHash64.hash(UInt64((ms / 86_400_000 + 3) % 7), seed: ns)
        case "price_bucket": return event.price.map { XXHash64.hash(UInt64(floor(log2(1 + $0))), seed: ns) }
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
            features.append((XXHash64.hash(a &* 0x9E37_79B9_7F4A_7C15 &+ b, seed: namespace(cross)), 1))
        }
        if export.includeContext {
            for entry in event.context {
                switch entry.value {
                case .string(let value):
                    features.append((XXHash64.hash(value, seed: XXHash64.hash(entry.key, seed: namespace("ctx"))), 1))
                case .number(let value):
                    features.append((XXHash64.hash(entry.key, seed: namespace("ctx#")), value))
                }
            }
        }
        let dot = features.reduce(0.0) { $0 + (weights[Int($1.0 & mask)] ?? 0) * $1.1 }
        return 1 / (1 + exp(-min(max(dot, -35), 35)))
    }
}

@Suite struct ModelExportTests {
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
        #expect(export.format == "salience.model.v1")
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

    @Test func otherFormatsAreRefused() throws {
        let estimator = ImportanceEstimator(configuration: smallConfiguration())
        var json = String(decoding: try ModelExport(estimator).jsonData(), as: UTF8.self)
        json = json.replacingOccurrences(of: "salience.model.v1", with: "salience.model.v9")
        #expect(throws: StateDecodingError.self) { try ModelExport.decode(Data(json.utf8)) }
    }
}
