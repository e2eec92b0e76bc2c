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

    /// The export as JSON with sorted keys.
    public func jsonData() throws -> Data {
        let encoder = JSONEncoder()
        encoder.outputFormatting = [.sortedKeys]
        return try encoder.encode(self)
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
