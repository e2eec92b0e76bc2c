/// Walker's alias method (Vose's construction): draws index `i` with
/// probability `weights[i] / Σ weights` from one uniform 64-bit number in O(1).
/// Construction is deterministic in the order of the weights.
struct AliasTable: Sendable {
    /// The normalised probability of each index.
    let probabilities: [Double]
    private let threshold: [Double]
    private let alias: [Int]

    /// - Precondition: `weights` is not empty, and its entries are finite, ≥ 0, with a positive sum.
    init(weights: [Double]) {
        let total = weights.reduce(0, +)
        precondition(!weights.isEmpty && total > 0 && total.isFinite, "an alias table needs positive finite weights")
        let count = weights.count
        probabilities = weights.map { $0 / total }
        var scaled = probabilities.map { $0 * Double(count) }
        var threshold = [Double](repeating: 1, count: count)
        var alias = Array(0..<count)
        var small: [Int] = []
        var large: [Int] = []
        for index in 0..<count {
            if scaled[index] < 1 { small.append(index) } else { large.append(index) }
        }
        while let under = small.popLast(), let over = large.last {
            threshold[under] = scaled[under]
            alias[under] = over
            scaled[over] -= 1 - scaled[under]
            if scaled[over] < 1 {
                large.removeLast()
                small.append(over)
            }
        }
        // What is left is 1 up to rounding.
        self.threshold = threshold
        self.alias = alias
    }

    var count: Int { probabilities.count }

    /// The index a uniform 64-bit `random` draws: its high 32 bits pick a
    /// column, its low 32 bits the coin between the column and its alias.
    func draw(_ random: UInt64) -> Int {
        let column = Int(((random >> 32) &* UInt64(count)) >> 32)
        let coin = Double(random & 0xFFFF_FFFF) * 0x1.0p-32
        return coin < threshold[column] ? column : alias[column]
    }
}
