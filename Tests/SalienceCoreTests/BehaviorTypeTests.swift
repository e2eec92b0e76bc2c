import SalienceCore
import SalienceTestSupport
import Testing

@Suite(.ownThreads) struct BehaviorTypeTests {
    @Test func canonicalNamesRoundTrip() {
        for type in BehaviorType.allCases {
            #expect(BehaviorType(name: type.name) == type)
        }
        #expect(BehaviorType(name: "pv") == nil)
    }

    /// Per-type tables (labels, expert weights, feature hashes, counters) are
    /// indexed by raw value: the raw values must run 0 ..< count in order.
    @Test func rawValuesIndexAllCases() {
        #expect(BehaviorType.allCases.map { Int($0.rawValue) } == Array(BehaviorType.allCases.indices))
    }

    @Test func standardAliasesResolveDatasetNames() {
        let aliases = BehaviorTypeAliases.standard
        #expect(aliases.resolve("pv") == .view)
        #expect(aliases.resolve("buy") == .purchase)
        #expect(aliases.resolve("addtocart") == .cart)
        #expect(aliases.resolve("transaction") == .purchase)
        #expect(aliases.resolve("cart") == .cart)
        #expect(aliases.resolve("teleport") == nil)
    }
}
