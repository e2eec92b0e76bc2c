import Foundation

/// Draws negatives for positives from the decayed item popularity raised to
/// `popularity_power`, through an alias table.
///
/// - Popularity is a forward-decayed count per item over every event; at most
///   `2 × candidates` items are tracked, pruned to the `candidates` most
///   popular (ties by id).
/// - The table is rebuilt from the `candidates` most popular items every
///   `rebuild_every_events` events of the partition: a boundary in the stream,
///   not at checkpoints (those also happen at shutdown and rebalances, which
///   an uninterrupted run does not see), so a restored run draws exactly what
///   an uninterrupted one does. Until the first rebuild there is no table and
///   no negatives.
/// - Negative `i` of a positive is `xxh64(utf8(event id), seed + i·φ + attempt)`
///   through the table; a draw of the positive's own item or of an item the
///   user interacted with within `exclusion_window` is redrawn (up to 8
///   attempts, then that negative is skipped). The exclusion is best effort:
///   at most `max_recent_interactions` pairs are remembered.
struct NegativeSampler: Sendable {
    static let attempts = 8
    let configuration: NegativeSamplingConfiguration
    private var decay: ForwardDecay
    /// Decayed counts relative to the decay's landmark.
    private var popularity: [String: Double] = [:]
    private var recent: RecentInteractions
    private var eventsSinceRebuild = 0
    /// The items of the current table and the weights it was built from.
    private(set) var tableItems: [String] = []
    private var tableWeights: [Double] = []
    private(set) var table: AliasTable?

    init(configuration: NegativeSamplingConfiguration) {
        self.configuration = configuration
        decay = ForwardDecay(halfLife: configuration.popularityHalfLife)
        recent = RecentInteractions(
            windowMilliseconds: configuration.exclusionWindow.milliseconds, capacity: configuration.maxRecentInteractions
        )
    }

    /// Counts the event's item and remembers the pair; rebuilds the table at the boundary.
    mutating func observe(_ event: BehaviorEvent, now: Int64) {
        let time = Double(event.timestamp) / 1000
        let factor = decay.prepare(for: time)
        if factor != 1 {
            for item in popularity.keys { popularity[item]! *= factor }
        }
        popularity[event.itemID, default: 0] += decay.weight(at: time)
        recent.record(FeedbackJoiner.pair(of: event), at: event.timestamp, now: now)
        if popularity.count > 2 * configuration.candidates {
            popularity = Dictionary(uniqueKeysWithValues: mostPopular())
        }
        eventsSinceRebuild += 1
        if eventsSinceRebuild >= configuration.rebuildEveryEvents {
            eventsSinceRebuild = 0
            rebuild()
        }
    }

    /// Emits up to `per_positive` negatives for `positive`; returns how many could not be drawn.
    func drawNegatives(for positive: WeightedSample, emit: (WeightedSample) -> Void) -> Int {
        guard let table else { return configuration.perPositive }
        var skipped = 0
        let user = HashScheme.id(positive.userID)
        for index in 0..<configuration.perPositive {
            var drawn: Int?
            for attempt in 0..<Self.attempts {
                let seed = configuration.seed &+ UInt64(index) &* 0x9E37_79B9_7F4A_7C15 &+ UInt64(attempt)
                let candidate = table.draw(positive.identity.withUTF8 { XXHash64.hash($0, seed: seed) })
                let item = tableItems[candidate]
                if item != positive.itemID, !recent.contains(FeedbackJoiner.pair(user: user, item: HashScheme.id(item))) {
                    drawn = candidate
                    break
                }
            }
            guard let drawn else {
                skipped += 1
                continue
            }
            emit(negative(index: index, item: tableItems[drawn], logQ: PortableMath.log(table.probabilities[drawn]), for: positive))
        }
        return skipped
    }

    private func negative(index: Int, item: String, logQ: Double, for positive: WeightedSample) -> WeightedSample {
        let components = WeightComponents(
            expert: 1, classBalance: 1, popularity: 1, userDamping: 1, objectiveRaw: 1, objective: 1, gradientScore: 1,
            keepProbability: positive.components.keepProbability, samplingWeight: positive.components.samplingWeight
        )
        var sample = WeightedSample(
            eventID: SampleEventID("\(positive.eventID)#neg\(index)"), userID: positive.userID, itemID: item, type: positive.type,
            timestamp: positive.timestamp, label: 0, weight: components.product, components: components,
            logQ: logQ, modelScore: 0, source: positive.source
        )
        sample.origin = .sampledNegative
        sample.negative = NegativeDraw(index: index, positiveEventID: positive.eventID, logQ: logQ)
        return sample
    }

    /// The `candidates` most popular items, most popular first, ties by id.
    private func mostPopular() -> [(String, Double)] {
        popularity.sorted { $0.value != $1.value ? $0.value > $1.value : $0.key < $1.key }
            .prefix(configuration.candidates).map { ($0.key, $0.value) }
    }

    private mutating func rebuild() {
        let top = mostPopular()
        tableItems = top.map(\.0)
        tableWeights = top.map { PortableMath.pow($0.1, configuration.popularityPower) }
        table = tableWeights.reduce(0, +) > 0 ? AliasTable(weights: tableWeights) : nil
    }
}

extension NegativeSampler {
    func encode(to writer: inout BinaryWriter) {
        writer.write(decay)
        let items = popularity.keys.sorted()
        writer.write(items.count)
        for item in items {
            writer.write(item)
            writer.write(popularity[item]!)
        }
        recent.encode(to: &writer)
        writer.write(eventsSinceRebuild)
        writer.write(tableItems.count)
        for item in tableItems { writer.write(item) }
        writer.write(tableWeights)
    }

    init(configuration: NegativeSamplingConfiguration, from reader: inout BinaryReader) throws {
        self.init(configuration: configuration)
        decay = try reader.read(ForwardDecay.self)
        let count = try reader.read(Int.self)
        guard count >= 0, count <= 2 * configuration.candidates else {
            throw StateDecodingError(.malformed, "\(count) popular items exceed twice the \(configuration.candidates) candidates")
        }
        for _ in 0..<count {
            let item = try reader.read(String.self)
            popularity[item] = try reader.read(Double.self)
        }
        recent = try RecentInteractions(windowMilliseconds: recent.window, capacity: recent.capacity, from: &reader)
        eventsSinceRebuild = try reader.read(Int.self)
        let tableCount = try reader.read(Int.self)
        guard tableCount >= 0, tableCount <= configuration.candidates else {
            throw StateDecodingError(.malformed, "an alias table of \(tableCount) items exceeds the \(configuration.candidates) candidates")
        }
        tableItems = try (0..<tableCount).map { _ in try reader.read(String.self) }
        tableWeights = try reader.read([Double].self)
        guard tableWeights.count == tableCount, tableWeights.allSatisfy({ $0 >= 0 && $0.isFinite }) else {
            throw StateDecodingError(.malformed, "the alias table's weights do not match its items")
        }
        table = tableWeights.reduce(0, +) > 0 ? AliasTable(weights: tableWeights) : nil
    }
}
