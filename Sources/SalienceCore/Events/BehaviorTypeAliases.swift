/// Maps the behaviour names of datasets and producers to ``BehaviorType``.
public struct BehaviorTypeAliases: Sendable, Hashable {
    /// Alias → canonical type. Canonical names always resolve, aliases or not.
    public private(set) var aliases: [String: BehaviorType]

    /// The aliases Salience knows by default:
    /// Taobao `pv`/`buy`, RetailRocket `addtocart`/`transaction`, REES46
    /// `remove_from_cart` (a cart signal), OTTO `clicks`/`carts`/`orders`.
    public static let standard = BehaviorTypeAliases(aliases: [
        "pv": .view, "buy": .purchase,
        "addtocart": .cart, "transaction": .purchase,
        "remove_from_cart": .cart,
        "clicks": .click, "carts": .cart, "orders": .purchase,
    ])

    public init(aliases: [String: BehaviorType]) {
        self.aliases = aliases
    }

    /// Adds or replaces an alias.
    public mutating func add(_ alias: String, for type: BehaviorType) {
        aliases[alias] = type
    }

    /// The canonical type for a canonical name or an alias.
    public func resolve(_ name: String) -> BehaviorType? {
        BehaviorType(name: name) ?? aliases[name]
    }
}
