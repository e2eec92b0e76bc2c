import Foundation
import SalienceCore

/// A seeded stream of exposures from a known click model, so an evaluation
/// can say how close each variant comes to the best possible ranking.
///
/// Each event shows item `i` to user `u` at time `t` (users by Zipf
/// activity, items by Zipf popularity). The user engages with probability
///
/// `P = σ(b₀ + a_i + c_u + s·⟨p_u, q_i(t)⟩ + β·log(n_i) − γ·log(position))`
///
/// with latent factors `p_u`, `q_i(t) = q_i cos ωt + q'_i sin ωt` (tastes
/// drift over days: `ω` turns the item factors a quarter turn over
/// `driftDays`), item appeal `a_i`, user propensity `c_u`, a popularity bias
/// `β·log(n_i)` (popular items are clicked more, `n_i` the item's exposure
/// share) and a position bias the trainer cannot see (the slot 1…10 the
/// item was shown in). Engaged events go down a funnel: click, then cart
/// (30 %), then purchase (30 % of carts); the event's type is the deepest
/// stage; the rest are views. With `labelNoise` η, each event the user did
/// not engage with becomes an accidental click with probability η (a
/// positive label that says nothing about the user's interest, and never
/// goes on to a cart or purchase), so the probability of a positive label
/// is `P + (1 − P)·η`, which each event carries along.
/// The same configuration always gives the same events.
public struct ClickModelStream: Sequence, IteratorProtocol, Sendable {
    /// Shape of the stream.
    public struct Configuration: Hashable, Sendable {
        /// Events in the stream. Default: 1,000,000.
        public var events: Int
        /// Default: 100,000.
        public var users: Int
        /// Default: 50,000.
        public var items: Int
        /// Default: 500.
        public var categories: Int
        /// Latent factors per user and item. Default: 4.
        public var factors: Int
        /// Zipf exponent of item exposure. Default: 1.1.
        public var itemExponent: Double
        /// Zipf exponent of user activity. Default: 0.8.
        public var userExponent: Double
        /// `b₀`: the base log-odds. Default: −3 (about 7 % engaged).
        public var baseLogit: Double
        /// `s`: weight of the latent-factor affinity. Default: 1.
        public var affinityScale: Double
        /// `β`: popularity bias per unit of log exposure share. Default: 0.15.
        public var popularityBias: Double
        /// `γ`: position bias per unit of log position. Default: 0.5.
        public var positionBias: Double
        /// Days of event time the stream covers. Default: 10.
        public var days: Double
        /// Days over which item factors turn a quarter turn. Default: 20.
        public var driftDays: Double
        /// Probability that an event without engagement is an accidental click. Default: 0.
        public var labelNoise: Double
        /// Time of the first event, ms since the epoch. Default: 2017-11-26T01:00:00Z.
        public var startTime: Int64
        /// Default: 7.
        public var seed: UInt64

        public init(
            events: Int = 1_000_000, users: Int = 100_000, items: Int = 50_000, categories: Int = 500, factors: Int = 4,
            itemExponent: Double = 1.1, userExponent: Double = 0.8, baseLogit: Double = -3, affinityScale: Double = 1,
            popularityBias: Double = 0.15, positionBias: Double = 0.5, days: Double = 10, driftDays: Double = 20,
            labelNoise: Double = 0, startTime: Int64 = 1_511_658_000_000, seed: UInt64 = 7
        ) {
            self.events = events
            self.users = users
            self.items = items
            self.categories = categories
            self.factors = factors
            self.itemExponent = itemExponent
            self.userExponent = userExponent
            self.baseLogit = baseLogit
            self.affinityScale = affinityScale
            self.popularityBias = popularityBias
            self.positionBias = positionBias
            self.days = days
            self.driftDays = driftDays
            self.labelNoise = labelNoise
            self.startTime = startTime
            self.seed = seed
        }

        /// The problems that make this configuration unusable, each naming the setting.
        public func validationErrors() -> [String] {
            var errors: [String] = []
            if events < 1 { errors.append("events: expected ≥ 1, got \(events)") }
            if users < 1 || items < 1 || categories < 1 { errors.append("users, items, categories: expected ≥ 1") }
            if factors < 1 || factors > 64 { errors.append("factors: expected 1...64, got \(factors)") }
            if !(days > 0) || !(driftDays > 0) { errors.append("days, drift_days: expected > 0") }
            if !(0...1).contains(labelNoise) { errors.append("label_noise: expected 0...1, got \(labelNoise)") }
            return errors
        }
    }

    /// One event and the probability that its label is positive.
    public struct Draw: Sendable {
        public var event: BehaviorEvent
        /// `P(label = 1)` under the model, noise included.
        public var probability: Double
        /// Whether this event is an accidental click.
        public var labelIsNoise: Bool
    }

    public let configuration: Configuration
    private let model: Model
    private var generator: SplitMix64
    private var produced = 0

    public init(configuration: Configuration = Configuration()) {
        precondition(configuration.validationErrors().isEmpty, configuration.validationErrors().joined(separator: "; "))
        self.configuration = configuration
        model = Model(configuration)
        generator = SplitMix64(seed: configuration.seed &+ 0xC11C)
    }

    /// The next event and its true probability, `nil` after `events`.
    public mutating func next() -> Draw? {
        guard produced < configuration.events else { return nil }
        let sequence = produced
        produced += 1
        let configuration = self.configuration
        let user = model.userSampler.next(using: &generator) - 1
        let item = model.itemSampler.next(using: &generator) - 1
        let position = 1 + Int(generator.next() % 10)
        // Evenly spread over the days, in order.
        let seconds = Double(sequence) / Double(configuration.events) * configuration.days * 86_400
        let angle = Double.pi / 2 * seconds / (configuration.driftDays * 86_400)
        let (cosine, sine) = (cos(angle), sin(angle))
        var affinity = 0.0
        let k = configuration.factors
        for f in 0..<k {
            let itemFactor = model.itemFactors[item * k + f] * cosine + model.itemDrift[item * k + f] * sine
            affinity += model.userFactors[user * k + f] * itemFactor
        }
        let logit = configuration.baseLogit + model.itemAppeal[item] + model.userPropensity[user]
            + configuration.affinityScale * affinity / Double(k).squareRoot()
            + configuration.popularityBias * model.logExposureShare[item]
            - configuration.positionBias * log(Double(position))
        let clean = 1 / (1 + exp(-logit))
        let probability = clean + (1 - clean) * configuration.labelNoise
        // Every event takes the same draws whatever its outcome, so streams
        // that differ only in their noise show the same users, items and slots.
        let (labelDraw, noiseDraw) = (generator.nextUnit(), generator.nextUnit())
        let (cartDraw, purchaseDraw) = (generator.nextUnit(), generator.nextUnit())
        let engaged = labelDraw < clean
        let accidental = !engaged && noiseDraw < configuration.labelNoise
        var type = BehaviorType.view
        if engaged {
            type = cartDraw < 0.3 ? (purchaseDraw < 0.3 ? .purchase : .cart) : .click
        } else if accidental {
            type = .click
        }
        let event = BehaviorEvent(
            userID: "u\(user)", itemID: "i\(item)", type: type,
            timestamp: configuration.startTime + Int64(seconds * 1000),
            eventID: "click-\(configuration.seed)-\(sequence)",
            categoryID: "c\(model.itemCategory[item])", price: model.itemPrice[item]
        )
        return Draw(event: event, probability: probability, labelIsNoise: accidental)
    }

    /// Everything drawn once per user and item.
    private struct Model: Sendable {
        let userSampler: ZipfSampler
        let itemSampler: ZipfSampler
        let userFactors: [Double]
        let userPropensity: [Double]
        let itemFactors: [Double]
        let itemDrift: [Double]
        let itemAppeal: [Double]
        let itemCategory: [Int]
        let itemPrice: [Double]
        /// `log(n_i / mean n)`: the item's exposure share relative to the average item.
        let logExposureShare: [Double]

        init(_ configuration: Configuration) {
            var random = SplitMix64(seed: configuration.seed)
            func normal() -> Double {
                let u1 = Swift.max(random.nextUnit(), 1e-300), u2 = random.nextUnit()
                return (-2 * log(u1)).squareRoot() * cos(2 * Double.pi * u2)
            }
            let k = configuration.factors
            userSampler = ZipfSampler(count: configuration.users, exponent: configuration.userExponent)
            itemSampler = ZipfSampler(count: configuration.items, exponent: configuration.itemExponent)
            userFactors = (0..<configuration.users * k).map { _ in normal() }
            userPropensity = (0..<configuration.users).map { _ in 0.5 * normal() }
            itemFactors = (0..<configuration.items * k).map { _ in normal() }
            itemDrift = (0..<configuration.items * k).map { _ in normal() }
            itemAppeal = (0..<configuration.items).map { _ in 0.5 * normal() }
            itemCategory = (0..<configuration.items).map { _ in Int(random.next() % UInt64(configuration.categories)) }
            itemPrice = (0..<configuration.items).map { _ in (5 * exp(4 * random.nextUnit()) * 100).rounded() / 100 }
            var normaliser = 0.0
            for rank in 1...configuration.items { normaliser += pow(Double(rank), -configuration.itemExponent) }
            let items = Double(configuration.items)
            logExposureShare = (1...configuration.items).map { rank in
                log(pow(Double(rank), -configuration.itemExponent) / normaliser * items)
            }
        }
    }
}
