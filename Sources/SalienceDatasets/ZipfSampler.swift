import Foundation
import SalienceCore

/// Draws ranks `1...count` with `P(k) ∝ k^(−exponent)` in constant memory, by
/// rejection-inversion (Hörmann & Derflinger, 1996).
public struct ZipfSampler: Sendable {
    public let count: Int
    public let exponent: Double
    private let integralAtOneAndHalf: Double
    private let integralAtEnd: Double
    private let squeeze: Double

    public init(count: Int, exponent: Double) {
        precondition(count >= 1 && exponent > 0, "Zipf needs count ≥ 1 and exponent > 0")
        self.count = count
        self.exponent = exponent
        integralAtOneAndHalf = Self.integral(1.5, exponent) - 1
        integralAtEnd = Self.integral(Double(count) + 0.5, exponent)
        squeeze = 2 - Self.inverseIntegral(Self.integral(2.5, exponent) - Self.density(2, exponent), exponent)
    }

    /// One rank in `1...count`.
    public func next(using generator: inout some RandomNumberGenerator) -> Int {
        while true {
            let u = integralAtEnd + Double.random(in: 0..<1, using: &generator) * (integralAtOneAndHalf - integralAtEnd)
            let x = Self.inverseIntegral(u, exponent)
            let rank = min(max(Int(x + 0.5), 1), count)
            if Double(rank) - x <= squeeze || u >= Self.integral(Double(rank) + 0.5, exponent) - Self.density(Double(rank), exponent) {
                return rank
            }
        }
    }

    /// `P(rank)`, exactly (sums the normaliser; O(count)).
    public func probability(ofRank rank: Int) -> Double {
        var normaliser = 0.0
        for k in 1...count { normaliser += pow(Double(k), -exponent) }
        return pow(Double(rank), -exponent) / normaliser
    }

    private static func density(_ x: Double, _ exponent: Double) -> Double {
        exp(-exponent * log(x))
    }

    private static func integral(_ x: Double, _ exponent: Double) -> Double {
        let logX = log(x)
        return helper2((1 - exponent) * logX) * logX
    }

    private static func inverseIntegral(_ x: Double, _ exponent: Double) -> Double {
        var t = x * (1 - exponent)
        if t < -1 { t = -1 }
        return exp(helper1(t) * x)
    }

    /// `log1p(x)/x`, stable near 0.
    private static func helper1(_ x: Double) -> Double {
        abs(x) > 1e-8 ? log1p(x) / x : 1 - x * (0.5 - x * (1.0 / 3.0 - 0.25 * x))
    }

    /// `expm1(x)/x`, stable near 0.
    private static func helper2(_ x: Double) -> Double {
        abs(x) > 1e-8 ? expm1(x) / x : 1 + x * 0.5 * (1 + x * (1.0 / 3.0) * (1 + 0.25 * x))
    }
}
