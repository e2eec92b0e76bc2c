import Foundation

/// How the validation-aligned objective component is computed.
public struct ValidationAlignmentConfiguration: Sendable, Hashable {
    /// Whether the component is computed and multiplies the objective weight.
    /// Default: `false`.
    public var enabled: Bool
    /// Share of events held back from the online model into the validation
    /// reservoir, chosen by a hash of the event id. Default: 1/32.
    public var share: Double
    /// Held-back events kept (the most recent). Default: 256.
    public var reservoir: Int
    /// Events between recomputations of the validation gradient. Default: 256.
    public var refreshEvents: Int
    /// Seed of the hold-back decision. Default: `0x7A11_DA7E`.
    public var seed: UInt64
    /// Types whose labels are trusted enough to validate against: only these
    /// are held back. Default: every type (a representative held-back set).
    /// Leaving a type out also shifts the held-back base rate: without
    /// `click`, the validation gradient mostly says "predict fewer positives"
    /// and every positive weighs 0 (measured on the click-model stream).
    public var types: Set<BehaviorType>

    public init(
        enabled: Bool = false, share: Double = 1.0 / 32, reservoir: Int = 256, refreshEvents: Int = 256, seed: UInt64 = 0x7A11_DA7E,
        types: Set<BehaviorType> = Set(BehaviorType.allCases)
    ) {
        self.types = types
        self.enabled = enabled
        self.share = share
        self.reservoir = reservoir
        self.refreshEvents = refreshEvents
        self.seed = seed
    }

    /// The problems that make this configuration unusable, each naming the setting.
    public func validationErrors() -> [String] {
        guard enabled else { return [] }
        var errors: [String] = []
        if !(share > 0 && share < 1) { errors.append("validation_alignment.share: expected (0, 1), got \(share)") }
        if !(8...65_536).contains(reservoir) { errors.append("validation_alignment.reservoir: expected 8...65536, got \(reservoir)") }
        if !(1...1_000_000).contains(refreshEvents) { errors.append("validation_alignment.refresh_events: expected 1...1000000, got \(refreshEvents)") }
        if types.isEmpty { errors.append("validation_alignment.types: expected at least one behaviour type") }
        return errors
    }

    func fingerprint(into writer: inout BinaryWriter) {
        writer.write(share)
        writer.write(reservoir)
        writer.write(refreshEvents)
        writer.write(seed)
        for type in types.sorted() { writer.write(type.rawValue) }
    }
}

/// The validation-aligned weight of Ren, Zeng, Yang & Urtasun (ICML 2018,
/// "Learning to Reweight Examples for Robust Deep Learning"), made
/// incremental on the hashed online model: an event weighs in proportion to
/// `max(0, ⟨∇ℓ_i, ∇ℓ_val⟩)`, how much a step on it would lower the loss on a
/// held-back set, normalised by its decayed mean so weights average 1.
///
/// The held-back set is a reservoir of the most recent events of trusted
/// types chosen by a hash of their id (``ValidationAlignmentConfiguration/share``
/// and ``ValidationAlignmentConfiguration/types``); the online model never
/// learns from them. As in Ren et al., the method needs validation labels
/// cleaner than the training labels: against a held-back set as noisy as
/// the rest, alignment favours the events with the largest errors, noisy
/// labels among them (measured on the click-model stream; `salience
/// evaluate` reports what it does to a trainer). Every
/// ``ValidationAlignmentConfiguration/refreshEvents`` events the validation
/// gradient `ḡ = mean_j (σ(w·x_j) − y_j)·x_j` over the reservoir is computed
/// afresh under the current weights; an event's alignment is then
/// `(p_i − y_i)·⟨x_i, ḡ⟩`. A label that contradicts the events like it (an
/// accidental click) has a gradient pointing away from `ḡ` and weighs 0.
/// Before the first refresh every weight is 1. All of it is event-count
/// arithmetic: replays and restores agree.
struct ValidationAlignment: Sendable, Equatable {
    /// One held-back event: its features and label.
    struct Held: Sendable, Equatable {
        var indices: [Int]
        var values: [Double]
        var label: Double
    }

    let configuration: ValidationAlignmentConfiguration
    /// The reservoir as a ring; `next` is where the next held-back event goes.
    private var held: [Held] = []
    private var next = 0
    private var sinceRefresh = 0
    /// The validation gradient by feature index, as of the last refresh.
    private var gradient: [Int: Double] = [:]
    private var meanAlignment: DecayedMean

    init(configuration: ValidationAlignmentConfiguration, halfLife: Duration?) {
        self.configuration = configuration
        meanAlignment = DecayedMean(halfLife: halfLife)
    }

    /// Whether the event with this id and type is held back from the online model.
    func holdsBack(_ eventID: SampleEventID, type: BehaviorType) -> Bool {
        configuration.types.contains(type) && eventID.withUTF8 { XXHash64.hash($0, seed: configuration.seed) }.unitInterval < configuration.share
    }

    /// Keeps a held-back event (replacing the oldest once the reservoir is full).
    mutating func hold(_ features: FeatureVector, label: Double) {
        let entry = Held(indices: features.indices, values: features.values, label: label)
        if held.count < configuration.reservoir {
            held.append(entry)
        } else {
            held[next] = entry
        }
        next = (next + 1) % configuration.reservoir
    }

    /// The weight of an event with these features, prediction and label at
    /// `time`, after counting it towards the next refresh of the validation
    /// gradient under `model`.
    mutating func weight(_ features: FeatureVector, prediction: Double, label: Double, at time: Double,
                         model: FTRLProximal, sharing shared: inout SharedDecay) -> Double {
        sinceRefresh += 1
        if sinceRefresh >= configuration.refreshEvents, !held.isEmpty {
            refresh(model)
        }
        guard !gradient.isEmpty else { return 1 }
        var dot = 0.0
        for position in 0..<features.count {
            if let value = gradient[features.indices[position]] { dot += value * features.values[position] }
        }
        let alignment = max(0, (prediction - label) * dot)
        meanAlignment.add(alignment, at: time, sharing: &shared)
        guard let mean = meanAlignment.mean, mean > 0 else { return 1 }
        return alignment / mean
    }

    /// `ḡ` over the reservoir under the model's current weights, summed in
    /// reservoir order.
    private mutating func refresh(_ model: FTRLProximal) {
        sinceRefresh = 0
        gradient.removeAll(keepingCapacity: true)
        let scale = 1 / Double(held.count)
        for entry in held {
            var dot = 0.0
            for position in entry.indices.indices { dot += model.weight(at: entry.indices[position]) * entry.values[position] }
            let residual = (FTRLProximal.sigmoid(dot) - entry.label) * scale
            for position in entry.indices.indices { gradient[entry.indices[position], default: 0] += residual * entry.values[position] }
        }
    }
}

extension ValidationAlignment {
    func encode(to writer: inout BinaryWriter) {
        writer.write(held.count)
        for entry in held {
            writer.write(entry.label)
            writer.write(entry.indices.count)
            for position in entry.indices.indices {
                writer.write(entry.indices[position])
                writer.write(entry.values[position])
            }
        }
        writer.write(next)
        writer.write(sinceRefresh)
        let sorted = gradient.sorted { $0.key < $1.key }
        writer.write(sorted.count)
        for (index, value) in sorted {
            writer.write(index)
            writer.write(value)
        }
        writer.write(meanAlignment)
    }

    init(configuration: ValidationAlignmentConfiguration, from reader: inout BinaryReader) throws {
        self.configuration = configuration
        let count = try reader.read(Int.self)
        guard (0...configuration.reservoir).contains(count) else {
            throw StateDecodingError(.malformed, "the validation reservoir holds \(count) events, more than its \(configuration.reservoir)")
        }
        for _ in 0..<count {
            let label = try reader.read(Double.self)
            let features = try reader.read(Int.self)
            guard (0...4_096).contains(features) else { throw StateDecodingError(.malformed, "a held-back event has \(features) features") }
            var entry = Held(indices: [], values: [], label: label)
            for _ in 0..<features {
                entry.indices.append(try reader.read(Int.self))
                entry.values.append(try reader.read(Double.self))
            }
            held.append(entry)
        }
        next = try reader.read(Int.self)
        sinceRefresh = try reader.read(Int.self)
        guard (0..<configuration.reservoir).contains(next), sinceRefresh >= 0 else {
            throw StateDecodingError(.malformed, "the validation reservoir's position is out of range")
        }
        let entries = try reader.read(Int.self)
        guard entries >= 0, entries <= 4_096 * configuration.reservoir else {
            throw StateDecodingError(.malformed, "the validation gradient has \(entries) entries")
        }
        for _ in 0..<entries {
            let index = try reader.read(Int.self)
            gradient[index] = try reader.read(Double.self)
        }
        meanAlignment = try reader.read(DecayedMean.self)
    }
}
