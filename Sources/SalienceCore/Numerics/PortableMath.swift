/// `exp`, `log`, `expm1` and `pow` computed the same way on every platform,
/// so weights, scores and states are bit-identical wherever Salience runs.
///
/// libm's results are not specified to the last bit and do differ: glibc
/// picks another code path on CPUs with FMA, Apple's and musl's libms are
/// other implementations. These are fdlibm's algorithms (Sun, 1993: the
/// reduction and polynomials of `e_exp.c` and `e_log.c`), written with
/// IEEE-754 additions, multiplications, divisions and exact scalings only —
/// each correctly rounded by the standard, and Swift does not fuse them into
/// FMAs — so every platform gives the same bits. The error is below one ulp
/// for `exp` and `log` (tested against the platform's libm on arguments
/// across their ranges), at most 4 ulps for `expm1`, and at most 32 ulps
/// (relative 1e-14) for `pow` of the estimator's arguments (ratios in
/// 1e-4…1e4 to exponents in −2…2), whose error grows with `|y·log x|`.
public enum PortableMath {
    private static let ln2High = 6.93147180369123816490e-01  // 0x3FE62E42FEE00000: k·ln2High is exact for |k| < 2^11
    private static let ln2Low = 1.90821492927058770002e-10  // 0x3DEA39EF35793C76
    private static let inverseLn2 = 1.44269504088896338700e+00

    /// `e^x`.
    public static func exp(_ x: Double) -> Double {
        if x.isNaN { return x }
        if x > 7.09782712893383973096e+02 { return .infinity }
        if x < -7.45133219101941108420e+02 { return 0 }
        let magnitude = abs(x)
        var high = x
        var low = 0.0
        var k = 0
        if magnitude > 0.5 * 0.6931471805599453 {
            k = Int(inverseLn2 * x + (x < 0 ? -0.5 : 0.5))
            let t = Double(k)
            high = x - t * ln2High
            low = t * ln2Low
        } else if magnitude < 0x1p-28 {
            return 1 + x
        }
        // r = high − low lies in [−ln2/2, ln2/2]; e^r from a rational form of r.
        let r = high - low
        let t = r * r
        let c = r - t * (1.66666666666666019037e-01 + t * (-2.77777777770155933842e-03
            + t * (6.61375632143793436117e-05 + t * (-1.65339022054652515390e-06 + t * 4.13813679705723846039e-08))))
        if k == 0 { return 1 - ((r * c) / (c - 2) - r) }
        let y = 1 - ((low - (r * c) / (2 - c)) - high)
        return scaled(y, byPowerOfTwo: k)
    }

    /// The natural logarithm; NaN below 0, −∞ at 0.
    public static func log(_ x: Double) -> Double {
        var bits = x.bitPattern
        var e = 0
        if bits >= 0x7FF0_0000_0000_0000 || bits < 0x0010_0000_0000_0000 {
            // Negative, zero, subnormal, infinite or NaN.
            if x.isNaN || x == .infinity { return x }
            if x < 0 { return .nan }
            if x == 0 { return -.infinity }
            bits = (x * 0x1p54).bitPattern
            e = -54
        }
        // x = m · 2^e with m in [√2/2, √2), both exact: the exponent field,
        // and the significand with the exponent of 1 (or ½ past √2).
        e += Int(bits >> 52) - 1023
        var significand = bits & 0x000F_FFFF_FFFF_FFFF
        if significand > 0x6_A09E_667F_3BCD {
            // m = 1.significand ≥ √2: halve it.
            significand |= 0x3FE0_0000_0000_0000
            e += 1
        } else {
            significand |= 0x3FF0_0000_0000_0000
        }
        let f = Double(bitPattern: significand) - 1
        let s = f / (2 + f)
        let z = s * s
        let w = z * z
        let t1 = w * (3.999999999940941908e-01 + w * (2.222219843214978396e-01 + w * 1.531383769920937332e-01))
        let t2 = z * (6.666666666666735130e-01 + w * (2.857142874366239149e-01
            + w * (1.818357216161805012e-01 + w * 1.479819860511658591e-01)))
        let r = t2 + t1
        let halfSquare = 0.5 * f * f
        let k = Double(e)
        return k * ln2High - ((halfSquare - (s * (halfSquare + r) + k * ln2Low)) - f)
    }

    /// `e^x − 1`, accurate also where `e^x` is close to 1 (there, Kahan's
    /// form `(u − 1) · x / log u` with `u = e^x`; beyond |x| = ½, where
    /// `u − 1` loses at most two bits, plainly `u − 1`).
    public static func expm1(_ x: Double) -> Double {
        if x.isNaN { return x }
        if abs(x) < 0x1p-26 { return x + 0.5 * x * x }
        if abs(x) > 0.5 { return exp(x) - 1 }
        // Here 2^-26 ≤ |x| ≤ ½, so u is neither 1, 0 nor infinite.
        let u = exp(x)
        return (u - 1) * x / log(u)
    }

    /// `x^y` for `x ≥ 0`: `e^(y·log x)`; NaN for negative `x`.
    public static func pow(_ x: Double, _ y: Double) -> Double {
        if y == 0 { return 1 }
        if x == 1 { return 1 }
        if x.isNaN || y.isNaN || x < 0 { return .nan }
        if x == 0 { return y > 0 ? 0 : .infinity }
        return exp(y * log(x))
    }

    /// `y · 2^k`, exact unless the result is subnormal.
    @inline(__always)
    private static func scaled(_ y: Double, byPowerOfTwo k: Int) -> Double {
        if k > 1023 { return y * 2 * powerOfTwo(k - 1) }
        if k >= -1021 { return y * powerOfTwo(k) }
        // Scale in two steps so that only the last one rounds into the subnormals.
        return y * powerOfTwo(k + 1000) * 0x1p-1000
    }

    /// `2^k` for `k` in −1022…1023.
    @inline(__always)
    private static func powerOfTwo(_ k: Int) -> Double {
        Double(bitPattern: UInt64(k + 1023) << 52)
    }
}
