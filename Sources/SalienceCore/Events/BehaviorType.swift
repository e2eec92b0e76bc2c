/// The kind of a user-behaviour event, in canonical form.
///
/// Raw values are the canonical names of the input schema; datasets' own names
/// (Taobao `pv`/`buy`, RetailRocket `addtocart`/`transaction` …) are mapped to
/// these by ``BehaviorTypeAliases``.
///
/// Numeric raw values run `0 ..< allCases.count` in `allCases` order, so a
/// per-type table is `allCases.map { … }` indexed by `rawValue`.
public enum BehaviorType: UInt8, CaseIterable, Sendable, Hashable, Comparable, CustomStringConvertible {
    case impression = 0
    case view = 1
    case click = 2
    case cart = 3
    case fav = 4
    case purchase = 5

    /// The canonical name, as in the schema.
    public var name: String {
        switch self {
        case .impression: "impression"
        case .view: "view"
        case .click: "click"
        case .cart: "cart"
        case .fav: "fav"
        case .purchase: "purchase"
        }
    }

    /// The type with this canonical name.
    public init?(name: String) {
        guard let type = Self.allCases.first(where: { $0.name == name }) else { return nil }
        self = type
    }

    public static func < (lhs: Self, rhs: Self) -> Bool { lhs.rawValue < rhs.rawValue }

    public var description: String { name }
}
