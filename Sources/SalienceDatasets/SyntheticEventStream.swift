import Foundation
import SalienceCore

/// A seeded stream of events shaped like real e-commerce logs: Zipf item
/// popularity, heavy and light users, sessions, and a view → cart / fav →
/// purchase funnel with Taobao-like rates (about 89% views, 6% carts, 3% favs,
/// 2% purchases). Items differ in appeal, so conversions carry a signal a
/// model can learn. The same configuration always gives the same events.
public struct SyntheticEventStream: Sequence, IteratorProtocol, Sendable {
    /// Shape of the stream.
    public struct Configuration: Hashable, Sendable {
        /// Default: 100,000.
        public var users: Int
        /// Default: 50,000.
        public var items: Int
        /// Default: 500.
        public var categories: Int
        /// Zipf exponent of item popularity. Default: 1.1.
        public var itemExponent: Double
        /// Zipf exponent of user activity. Default: 0.8.
        public var userExponent: Double
        /// Share of events per type after views. Default: cart 0.06, fav 0.03, purchase 0.02.
        public var cartRate: Double
        public var favRate: Double
        public var purchaseRate: Double
        /// Mean events per session. Default: 8.
        public var meanSessionLength: Double
        /// Mean events per second of event time. Default: 14 (Taobao's sample).
        public var eventsPerSecond: Double
        /// Time of the first event, ms since the epoch. Default: 2017-11-26T01:00:00Z.
        public var startTime: Int64
        /// Default: 42.
        public var seed: UInt64

        public init(
            users: Int = 100_000, items: Int = 50_000, categories: Int = 500,
            itemExponent: Double = 1.1, userExponent: Double = 0.8,
            cartRate: Double = 0.06, favRate: Double = 0.03, purchaseRate: Double = 0.02,
            meanSessionLength: Double = 8, eventsPerSecond: Double = 14,
            startTime: Int64 = 1_511_658_000_000, seed: UInt64 = 42
        ) {
            self.users = users
            self.items = items
            self.categories = categories
            self.itemExponent = itemExponent
            self.userExponent = userExponent
            self.cartRate = cartRate
            self.favRate = favRate
            self.purchaseRate = purchaseRate
            self.meanSessionLength = meanSessionLength
            self.eventsPerSecond = eventsPerSecond
            self.startTime = startTime
            self.seed = seed
        }
    }

    public let configuration: Configuration
    private var generator: SplitMix64
    private let itemSampler: ZipfSampler
    private let userSampler: ZipfSampler
    private var time: Double
    private var sequence: Int64 = 0
    private var sessionUser = 0
    private var sessionNumber = 0
    private var sessionRemaining = 0

    public init(configuration: Configuration = Configuration()) {
        self.configuration = configuration
        generator = SplitMix64(seed: configuration.seed)
        itemSampler = ZipfSampler(count: configuration.items, exponent: configuration.itemExponent)
        userSampler = ZipfSampler(count: configuration.users, exponent: configuration.userExponent)
        time = Double(configuration.startTime)
    }

    public mutating func next() -> BehaviorEvent? {
        if sessionRemaining == 0 {
            sessionUser = userSampler.next(using: &generator)
            sessionNumber += 1
            let draw = Swift.max(generator.nextUnit(), 1e-12)
            sessionRemaining = 1 + Int(-log(draw) * (configuration.meanSessionLength - 1))
        }
        sessionRemaining -= 1
        sequence += 1
        time += -log(Swift.max(generator.nextUnit(), 1e-12)) * 1000 / configuration.eventsPerSecond
        // Items are ranked by popularity; a scrambled rank is the id, so ids do not reveal rank.
        let rank = itemSampler.next(using: &generator)
        let itemHash = XXHash64.hash(UInt64(rank), seed: configuration.seed)
        let item = Int(itemHash % UInt64(configuration.items * 10))
        let category = Int(XXHash64.hash(UInt64(rank), seed: configuration.seed &+ 1) % UInt64(configuration.categories))
        // Appeal in [0.25, 1.75]: some items convert far better than others.
        let appeal = 0.25 + 1.5 * itemHash.unitInterval
        let price = (5 * exp(4 * XXHash64.hash(UInt64(rank), seed: configuration.seed &+ 2).unitInterval) * 100).rounded() / 100
        let draw = generator.nextUnit() / appeal
        let type: BehaviorType
        if draw < configuration.purchaseRate {
            type = .purchase
        } else if draw < configuration.purchaseRate + configuration.cartRate {
            type = .cart
        } else if draw < configuration.purchaseRate + configuration.cartRate + configuration.favRate {
            type = .fav
        } else {
            type = .view
        }
        return BehaviorEvent(
            userID: String(sessionUser),
            itemID: String(item),
            type: type,
            timestamp: Int64(time),
            eventID: "synthetic-\(configuration.seed)-\(sequence)",
            categoryID: String(category),
            price: price,
            sessionID: "s\(sessionNumber)"
        )
    }
}
