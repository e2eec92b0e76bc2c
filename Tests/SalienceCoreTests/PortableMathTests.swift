import Foundation
import SalienceCore
import SalienceTestSupport
import Testing

@Suite(.ownThreads) struct PortableMathTests {
    /// Distance in units in the last place between two finite doubles of one sign.
    static func ulps(_ a: Double, _ b: Double) -> UInt64 {
        if a == b { return 0 }
        let x = Int64(bitPattern: a.bitPattern), y = Int64(bitPattern: b.bitPattern)
        return x > y ? UInt64(x - y) : UInt64(y - x)
    }

    /// Arguments spread over a range by a fixed generator, so every run tests the same ones.
    static func arguments(_ count: Int, in range: ClosedRange<Double>, seed: UInt64) -> [Double] {
        var state = seed
        return (0..<count).map { _ in
            state = HashScheme.mix(state, seed: 0)
            return range.lowerBound + (range.upperBound - range.lowerBound) * state.unitInterval
        }
    }

    @Test func expIsWithinOneUlpOfLibm() {
        var worst: UInt64 = 0
        for range: ClosedRange<Double> in [-745...(-700), -50...50, -1...1, -1e-6...1e-6, 700...709.7] {
            for x in Self.arguments(20_000, in: range, seed: 1) {
                worst = max(worst, Self.ulps(PortableMath.exp(x), Foundation.exp(x)))
            }
        }
        #expect(worst <= 1)
    }

    @Test func logIsWithinOneUlpOfLibm() {
        var worst: UInt64 = 0
        let logs = Self.arguments(40_000, in: -745...709, seed: 2).map { Foundation.exp($0) }
        for x in logs + Self.arguments(20_000, in: 0.5...2, seed: 3) + [Double.leastNonzeroMagnitude, .leastNormalMagnitude, .greatestFiniteMagnitude] {
            worst = max(worst, Self.ulps(PortableMath.log(x), Foundation.log(x)))
        }
        #expect(worst <= 1)
    }

    @Test func expm1AndPowAreWithinAFewUlpsOfLibm() {
        var worstExpm1: UInt64 = 0
        for range: ClosedRange<Double> in [-40...40, -1e-3...1e-3, -1e-9...1e-9] {
            for x in Self.arguments(20_000, in: range, seed: 4) {
                worstExpm1 = max(worstExpm1, Self.ulps(PortableMath.expm1(x), Foundation.expm1(x)))
            }
        }
        #expect(worstExpm1 <= 4)
        // As the estimator uses pow: ratios of frequencies to their mean, to exponents in [-2, 2].
        var worstPow: UInt64 = 0
        for (x, y) in zip(Self.arguments(20_000, in: 1e-4...1e4, seed: 5), Self.arguments(20_000, in: -2...2, seed: 6)) {
            worstPow = max(worstPow, Self.ulps(PortableMath.pow(x, y), Foundation.pow(x, y)))
        }
        #expect(worstPow <= 32, "relative error below 1e-14")
    }

    @Test func specialValues() {
        #expect(PortableMath.exp(0) == 1)
        #expect(PortableMath.exp(.infinity) == .infinity)
        #expect(PortableMath.exp(-.infinity) == 0)
        #expect(PortableMath.exp(710) == .infinity)
        #expect(PortableMath.exp(-746) == 0)
        #expect(PortableMath.exp(-745) == Foundation.exp(-745), "the smallest subnormals")
        #expect(PortableMath.exp(.nan).isNaN)
        #expect(PortableMath.log(1) == 0)
        #expect(PortableMath.log(0) == -.infinity)
        #expect(PortableMath.log(-1).isNaN)
        #expect(PortableMath.log(.infinity) == .infinity)
        #expect(PortableMath.expm1(0) == 0)
        #expect(PortableMath.expm1(-1000) == -1)
        #expect(PortableMath.expm1(1000) == .infinity)
        #expect(PortableMath.pow(0, 2) == 0)
        #expect(PortableMath.pow(0, -1) == .infinity)
        #expect(PortableMath.pow(5, 0) == 1)
        #expect(PortableMath.pow(-2, 0.5).isNaN)
    }

    /// The same bits on every platform: computed by this code and pinned (a
    /// change here changes every weight and state, and needs a new state format).
    @Test(arguments: [
        ("exp", 1.0, 0.0, UInt64(0x4005_BF0A_8B14_5769)), ("exp", -0.5, 0, 0x3FE3_68B2_FC6F_960A),
        ("exp", 3.7e-5, 0, 0x3FF0_0026_CC4B_ADA5), ("exp", -20.25, 0, 0x3E1B_93DE_1E27_CA3B), ("exp", 700.5, 0, 0x7F18_625C_7D4F_56C2),
        ("log", 10, 0, 0x4002_6BB1_BBB5_5516), ("log", 0.3, 0, 0xBFF3_4378_FCBD_A721), ("log", 1e-300, 0, 0xC085_9634_47F8_7FB5),
        ("log", 123_456.789, 0, 0x4027_7281_CAD8_A844),
        ("expm1", 1e-7, 0, 0x3E7A_D7F2_B141_4ADB), ("expm1", -0.25, 0, 0xBFCC_5041_854D_F7D4), ("expm1", 3, 0, 0x4033_15E5_BF6F_B106),
        ("pow", 0.37, -0.5, 0x3FFA_4DC8_533B_864C),
    ])
    func goldenBits(function: String, x: Double, y: Double, bits: UInt64) {
        let value = switch function {
        case "exp": PortableMath.exp(x)
        case "log": PortableMath.log(x)
        case "expm1": PortableMath.expm1(x)
        default: PortableMath.pow(x, y)
        }
        #expect(value.bitPattern == bits)
    }
}
