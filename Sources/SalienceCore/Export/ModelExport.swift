import Foundation

/// The online model in the documented exchange format for trainers
/// (Schemas/model-export.schema.json, Schemas/README.md): the FTRL weights and
/// everything needed to recompute each feature index from a raw event.
public struct ModelExport: Codable, Equatable, Sendable {
    /// Always `salience.model.v2` (v1 used the previous hashing, a string hash per feature).
    public var format: String
    /// The hash function and its seed (a decimal string: seeds exceed 2^53).
    public var hash: HashFunction
    public var featureBits: Int
    public var fields: [String]
    /// Crosses as `first*second`.
    public var crosses: [String]
    public var includeContext: Bool
    public var ftrl: FTRL
    public var positiveTypes: [String]
    public var eventsSeen: Int64
    public var maxEventTime: Int64?
    /// Non-zero weights: `indices[k]` has weight `weights[k]`. All others are 0.
    public var indices: [Int]
    public var weights: [Double]

    public struct HashFunction: Codable, Equatable, Sendable {
        public var function: String
        public var seed: String
    }

    public struct FTRL: Codable, Equatable, Sendable {
        public var alpha: Double
        public var beta: Double
        public var l1: Double
        public var l2: Double
    }

    enum CodingKeys: String, CodingKey {
        case format, hash, fields, crosses, ftrl, indices, weights
        case featureBits = "feature_bits"
        case includeContext = "include_context"
        case positiveTypes = "positive_types"
        case eventsSeen = "events_seen"
        case maxEventTime = "max_event_time"
    }

    public static let formatName = "salience.model.v2"

    /// The export of an estimator's current model.
    public init(_ estimator: ImportanceEstimator) {
        let configuration = estimator.configuration
        let space = configuration.features
        let nonZero = estimator.model.nonZeroWeights()
        format = Self.formatName
        hash = HashFunction(function: HashScheme.name, seed: String(space.seed))
        featureBits = space.bits
        fields = space.fields.map(\.rawValue)
        crosses = space.crosses.map(\.description)
        includeContext = space.includeContext
        ftrl = FTRL(alpha: configuration.ftrl.alpha, beta: configuration.ftrl.beta, l1: configuration.ftrl.l1, l2: configuration.ftrl.l2)
        positiveTypes = configuration.positiveTypes.sorted().map(\.name)
        eventsSeen = estimator.eventsProcessed
        maxEventTime = estimator.maxEventTime
        indices = nonZero.map(\.index)
        weights = nonZero.map(\.weight)
    }

    /// The export as compact JSON with sorted keys, written with a
    /// ``JSONWriter`` (Foundation's encoder took most of a checkpoint's time
    /// on large models); ``decode(_:)`` reads it.
    public func jsonData() throws -> Data {
        var writer = JSONWriter(capacity: 64 + indices.count * 28)
        writer.beginObject()
        writer.beginArray(CodingKeys.crosses.rawValue)
        for cross in crosses { writer.element(cross) }
        writer.endArray()
        writer.field(CodingKeys.eventsSeen.rawValue, eventsSeen)
        writer.field(CodingKeys.featureBits.rawValue, featureBits)
        writer.beginArray(CodingKeys.fields.rawValue)
        for field in fields { writer.element(field) }
        writer.endArray()
        writer.field(CodingKeys.format.rawValue, format)
        writer.beginObject(CodingKeys.ftrl.rawValue)
        writer.field("alpha", ftrl.alpha)
        writer.field("beta", ftrl.beta)
        writer.field("l1", ftrl.l1)
        writer.field("l2", ftrl.l2)
        writer.endObject()
        writer.beginObject(CodingKeys.hash.rawValue)
        writer.field("function", hash.function)
        writer.field("seed", hash.seed)
        writer.endObject()
        writer.field(CodingKeys.includeContext.rawValue, includeContext)
        writer.beginArray(CodingKeys.indices.rawValue)
        for index in indices { writer.element(index) }
        writer.endArray()
        if let maxEventTime { writer.field(CodingKeys.maxEventTime.rawValue, maxEventTime) }
        writer.beginArray(CodingKeys.positiveTypes.rawValue)
        for type in positiveTypes { writer.element(type) }
        writer.endArray()
        writer.beginArray(CodingKeys.weights.rawValue)
        for weight in weights { writer.element(weight) }
        writer.endArray()
        writer.endObject()
        return Data(writer.take())
    }

    /// Reads an export, refusing other formats.
    public static func decode(_ data: Data) throws -> ModelExport {
        let export = try JSONDecoder().decode(ModelExport.self, from: data)
        guard export.format == formatName else {
            throw StateDecodingError(
                .unsupportedVersion,
                "model export format \(export.format); this build reads \(formatName) (its feature indices follow another hashing: export the model again)"
            )
        }
        return export
    }
}
