/// `exp`, `log`, `expm1` and `pow` computed the same way on every platform,
/// so weights, scores and states are bit-identical wherever Salience runs.
///
/// libm's results are not specified to the last bit and do differ: glibc
/// picks another code path on CPUs with FMA, Apple's and musl's libms are
/// other implementations. `log` is fdlibm's algorithm (Sun, 1993: the
/// reduction and polynomial of `e_log.c`), `exp` Tang's table-driven one
/// (its table made here with decimal arithmetic), both written with
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

    /// `e^x`: Tang's table-driven method (ACM TOMS 15(2), 1989), as glibc
    /// and Arm's optimized-routines compute it. With `N` = 128, `x = (k·ln 2)/N + r`,
    /// `k` the nearest integer to `x·N/ln 2` and `|r| ≤ ln 2/(2N)`; then
    /// `e^x = 2^(k div N) · 2^((k mod N)/N) · e^r`, the middle factor from
    /// ``expTable`` and `e^r − 1` from its Taylor polynomial of degree 5
    /// (the first term left out, `r⁶/720`, is below 2⁻⁶⁰). No division, and no
    /// libm call.
    public static func exp(_ x: Double) -> Double {
        let magnitude = abs(x)
        if !(magnitude < 708) {
            if x.isNaN { return x }
            if x > 7.09782712893383973096e+02 { return .infinity }
            if x < -7.45133219101941108420e+02 { return 0 }
        }
        // k = round(x·N/ln 2): adding 1.5·2⁵² rounds to an integer (to
        // nearest, ties to even) that the significand's low bits then hold.
        let shifted = inverseLn2N * x + roundingShift
        let k = Int(truncatingIfNeeded: shifted.bitPattern & 0x000F_FFFF_FFFF_FFFF) - (1 << 51)
        let kd = shifted - roundingShift
        // x − k·ln2/N: the high part's product is exact and the difference is too (Sterbenz).
        let r = (x - kd * ln2NHigh) - kd * ln2NLow
        let index = 2 * (k & (expTableSize - 1))
        let exponent = k >> expTableSize.trailingZeroBitCount
        let (bits, tail) = expTable.withUnsafeBufferPointer { ($0[index], Double(bitPattern: $0[index + 1])) }
        let r2 = r * r
        let excess = tail + r + r2 * (0.5 + r * (1.0 / 6)) + r2 * r2 * (1.0 / 24 + r * (1.0 / 120))
        if magnitude < 708 {
            // 2^(k div N) · 2^((k mod N)/N) is a normal number: add to the exponent field.
            let scale = Double(bitPattern: bits &+ UInt64(bitPattern: Int64(exponent) << 52))
            return scale + scale * excess
        }
        // Near overflow or into the subnormals: scale in two steps, of which only the last rounds.
        let step = exponent > 0 ? 1 : -1022
        let scale = Double(bitPattern: bits &+ UInt64(bitPattern: Int64(exponent - step) << 52))
        return (scale + scale * excess) * Double(bitPattern: UInt64(step + 1023) << 52)
    }

    /// `N` of ``exp(_:)``: entries of ``expTable``.
    private static let expTableSize = 128
    private static let inverseLn2N = 0x1.71547652b82fep+7
    /// `ln 2/N` in two parts; the high one ends in 20 zero bits, so its
    /// product with any `k` of `exp`'s range (|k| < 2¹⁸) is exact.
    private static let ln2NHigh = 0x1.62e42fef00000p-8
    private static let ln2NLow = 0x1.473de6af278edp-41
    private static let roundingShift = 0x1.8p52
    /// For `i` in 0..<128: the bits of `2^(i/128)` correctly rounded, then
    /// the bits of what that rounding left out, relative to it
    /// (`(2^(i/128) − hi)/hi`, rounded). Made with 60-digit decimal
    /// arithmetic (Python's `decimal`), not with a libm.
    private static let expTable: [UInt64] = [
        0x3FF0_0000_0000_0000, 0x0000_0000_0000_0000, 0x3FF0_163D_A9FB_3335, 0x3C9B_3B4F_1A88_BF6E,
        0x3FF0_2C9A_3E77_8061, 0xBC71_6013_9CD8_DC5D, 0x3FF0_4315_E86E_7F85, 0xBC90_5E7A_1087_66D1,
        0x3FF0_59B0_D315_8574, 0x3C8C_D252_3567_F613, 0x3FF0_706B_29DD_F6DE, 0xBC8B_CE80_23F9_8EFA,
        0x3FF0_8745_1875_9BC8, 0x3C60_F74E_61E6_C861, 0x3FF0_9E3E_CAC6_F383, 0x3C90_A3E4_5B33_D399,
        0x3FF0_B558_6CF9_890F, 0x3C97_9AA6_5D83_7B6D, 0x3FF0_CC92_2B72_47F7, 0x3C8E_B51A_92FD_EFFC,
        0x3FF0_E3EC_32D3_D1A2, 0x3C3E_BE3D_702F_9CD1, 0x3FF0_FB66_AFFE_D31B, 0xBC6A_0334_8990_6E0B,
        0x3FF1_1301_D012_5B51, 0xBC95_5652_2A2F_BD0E, 0x3FF1_2ABD_C06C_31CC, 0xBC50_80EF_8C4E_EA55,
        0x3FF1_429A_AEA9_2DE0, 0xBC91_C923_B9D5_F416, 0x3FF1_5A98_C8A5_8E51, 0x3C80_D3E3_E95C_55AF,
        0x3FF1_72B8_3C7D_517B, 0xBC80_1B15_EAA5_9348, 0x3FF1_8AF9_388C_8DEA, 0xBC8F_1FF0_55DE_323D,
        0x3FF1_A35B_EB6F_CB75, 0x3C8B_898C_3F13_53BF, 0x3FF1_BBE0_8404_5CD4, 0xBC96_D99C_7611_EB26,
        0x3FF1_D487_3168_B9AA, 0x3C9A_ECF7_3E3A_2F60, 0x3FF1_ED50_22FC_D91D, 0xBC8F_E782_CB86_389D,
        0x3FF2_063B_8862_8CD6, 0x3C8A_6F41_44A6_C38D, 0x3FF2_1F49_917D_DC96, 0x3C80_7A05_B0E4_047D,
        0x3FF2_387A_6E75_6238, 0x3C96_8EFD_E3A8_A894, 0x3FF2_51CE_4FB2_A63F, 0x3C87_5E18_F274_487D,
        0x3FF2_6B45_65E2_7CDD, 0x3C80_472B_981F_E7F2, 0x3FF2_84DF_E1F5_6381, 0xBC96_B87B_3F71_085E,
        0x3FF2_9E9D_F51F_DEE1, 0x3C82_F7E1_6D09_AB31, 0x3FF2_B87F_D0DA_D990, 0xBC3D_219B_1A6F_BFFA,
        0x3FF2_D285_A6E4_030B, 0x3C8B_3782_720C_0AB4, 0x3FF2_ECAF_A93E_2F56, 0x3C6E_1492_89CE_CB8F,
        0x3FF3_06FE_0A31_B715, 0x3C83_4D75_4DB0_ABB6, 0x3FF3_2170_FC4C_D831, 0x3C86_4201_E2AC_744C,
        0x3FF3_3C08_B264_16FF, 0x3C8F_DD39_5DD3_F84A, 0x3FF3_56C5_5F92_9FF1, 0xBC86_A380_3B8E_5B04,
        0x3FF3_71A7_373A_A9CB, 0xBC92_4AED_CC4B_5068, 0x3FF3_8CAE_6D05_D866, 0xBC99_07F8_1B51_2D8E,
        0x3FF3_A7DB_34E5_9FF7, 0xBC71_D1E8_3E94_36D2, 0x3FF3_C32D_C313_A8E5, 0xBC99_1919_B3CE_1B15,
        0x3FF3_DEA6_4C12_3422, 0x3C85_9F48_A72A_4C6D, 0x3FF3_FA45_04AC_801C, 0xBC93_1260_7A28_698A,
        0x3FF4_160A_21F7_2E2A, 0xBC58_A78F_4817_895B, 0x3FF4_31F5_D950_A897, 0xBC7C_2C9B_6749_9A1B,
        0x3FF4_4E08_6061_892D, 0x3C43_63ED_60C2_AC11, 0x3FF4_6A41_ED1D_0057, 0x3C96_6609_3B06_64EF,
        0x3FF4_86A2_B5C1_3CD0, 0x3C6E_CCE1_DAA1_0379, 0x3FF4_A32A_F0D7_D3DE, 0x3C93_FF8E_3F0F_1230,
        0x3FF4_BFDA_D536_2A27, 0x3C76_90CE_BB7A_AFB0, 0x3FF4_DCB2_99FD_DD0D, 0x3C93_1DBD_EB54_E077,
        0x3FF4_F9B2_769D_2CA7, 0xBC8F_9434_0071_A38E, 0x3FF5_16DA_A2CF_6642, 0xBC87_DECC_DC93_A349,
        0x3FF5_342B_569D_4F82, 0xBC78_DEC6_BD0F_385F, 0x3FF5_51A4_CA5D_920F, 0xBC86_1246_EC7B_5CF6,
        0x3FF5_6F47_36B5_27DA, 0x3C93_3505_18FD_D78E, 0x3FF5_8D12_D497_C7FD, 0x3C7B_98B7_2F8A_9B05,
        0x3FF5_AB07_DD48_5429, 0x3C90_63E1_E21C_5409, 0x3FF5_C926_8A59_46B7, 0x3C34_C785_5019_C6EA,
        0x3FF5_E76F_15AD_2148, 0x3C94_32E6_2B64_C035, 0x3FF6_05E1_B976_DC09, 0xBC8C_E44A_6199_769F,
        0x3FF6_247E_B03A_5585, 0xBC8C_33C5_3BEF_4DA8, 0x3FF6_4346_34CC_C320, 0xBC84_5378_892B_E9AE,
        0x3FF6_6238_8255_2225, 0xBC93_CEDD_7856_5858, 0x3FF6_8155_D44C_A973, 0x3C57_10AA_807E_1964,
        0x3FF6_A09E_667F_3BCD, 0xBC93_B3EF_BF5E_2228, 0x3FF6_C012_750B_DABF, 0xBC6A_12AD_8734_B982,
        0x3FF6_DFB2_3C65_1A2F, 0xBC63_67EF_B86D_A9EE, 0x3FF6_FF7D_F951_9484, 0xBC80_DC3D_54E0_8851,
        0x3FF7_1F75_E8EC_5F74, 0xBC78_1F64_7E5A_3ECF, 0x3FF7_3F9A_48A5_8174, 0xBC86_EE4A_C08B_7DB0,
        0x3FF7_5FEB_5642_67C9, 0xBC86_1932_1E55_E68A, 0x3FF7_8069_4FDE_5D3F, 0x3C90_9CCB_5E09_D4D3,
        0x3FF7_A114_73EB_0187, 0xBC7B_32DC_B94D_A51D, 0x3FF7_C1ED_0130_C132, 0x3C94_ECFD_5467_C06B,
        0x3FF7_E2F3_36CF_4E62, 0x3C65_EBE1_ABD6_6C55, 0x3FF8_0427_543E_1A12, 0xBC88_A1C5_2FB3_CF42,
        0x3FF8_2589_994C_CE13, 0xBC93_69B6_F13B_3734, 0x3FF8_471A_4623_C7AD, 0xBC80_5E84_3A19_FF1E,
        0x3FF8_68D9_9B44_92ED, 0xBC94_D450_D872_576E, 0x3FF8_8AC7_D98A_6699, 0x3C90_AD67_5B0E_8A00,
        0x3FF8_ACE5_422A_A0DB, 0x3C8D_B72F_C1F0_EAB4, 0x3FF8_CF32_16B5_448C, 0xBC65_B660_9CC5_E7FF,
        0x3FF8_F1AE_9915_7736, 0x3C7B_F683_59F3_5F44, 0x3FF9_145B_0B91_FFC6, 0xBC93_091F_A71E_3D83,
        0x3FF9_3737_B0CD_C5E5, 0xBC5D_A9B8_8B6C_1E29, 0x3FF9_5A44_CBC8_520F, 0xBC6C_23F9_7C90_B959,
        0x3FF9_7D82_9FDE_4E50, 0xBC92_4343_22F4_F9AA, 0x3FF9_A0F1_70CA_07BA, 0xBC85_CA6C_D766_8E4B,
        0x3FF9_C491_82A3_F090, 0x3C71_AFFC_2B91_CE27, 0x3FF9_E863_19E3_2323, 0x3C6D_D235_E10A_73BB,
        0x3FFA_0C66_7B5D_E565, 0xBC87_C504_2262_2263, 0x3FFA_309B_EC4A_2D33, 0x3C8B_1C86_E3E2_31D5,
        0x3FFA_5503_B23E_255D, 0xBC91_BBD1_D3BC_BB15, 0x3FFA_799E_1330_B358, 0x3C90_CC31_9CEE_31D2,
        0x3FFA_9E6B_5579_FDBF, 0x3C84_6984_6E73_5AB3, 0x3FFA_C36B_BFD3_F37A, 0xBC82_DFCD_978E_9DB4,
        0x3FFA_E89F_995A_D3AD, 0x3C8C_1A77_92CB_3387, 0x3FFB_0E07_298D_B666, 0xBC90_7B8F_4AD1_D9FA,
        0x3FFB_33A2_B84F_15FB, 0xBC55_C3D9_56DC_AEBA, 0x3FFB_5972_8DE5_593A, 0xBC90_A40E_3DA6_F640,
        0x3FFB_7F76_F2FB_5E47, 0xBC68_D6F4_38AD_9334, 0x3FFB_A5B0_30A1_064A, 0xBC91_EEE2_6B58_8A35,
        0x3FFB_CC1E_904B_C1D2, 0x3C74_FFD7_0A5F_DDCD, 0x3FFB_F2C2_5BD7_1E09, 0xBC91_BDFB_FA92_98AC,
        0x3FFC_199B_DD85_529C, 0x3C73_6EAE_30AF_0CB3, 0x3FFC_40AB_5FFF_D07A, 0x3C8E_E332_5C9F_FD94,
        0x3FFC_67F1_2E57_D14B, 0x3C84_E08F_D109_59AC, 0x3FFC_8F6D_9406_E7B5, 0x3C63_CDAF_384E_1A67,
        0x3FFC_B720_DCEF_9069, 0x3C67_6B2C_6C92_1968, 0x3FFC_DF0B_555D_C3FA, 0xBC80_8A18_83CC_B5D2,
        0x3FFD_072D_4A07_897C, 0xBC8F_AD5D_3FFF_FA6F, 0x3FFD_2F87_080D_89F2, 0xBC90_0DAE_3875_A949,
        0x3FFD_5818_DCFB_A487, 0x3C74_A385_A63D_07A7, 0x3FFD_80E3_16C9_8398, 0xBC82_919E_2040_220F,
        0x3FFD_A9E6_03DB_3285, 0x3C8E_5A50_D5C1_92AC, 0x3FFD_D321_F301_B460, 0x3C84_3A59_AC01_6B4B,
        0x3FFD_FC97_337B_9B5F, 0xBC82_D521_07B4_3E1F, 0x3FFE_2646_14F5_A129, 0xBC89_2AB9_3B47_0DC9,
        0x3FFE_502E_E78B_3FF6, 0x3C74_B604_603A_88D3, 0x3FFE_7A51_FBC7_4C83, 0x3C83_C5EC_519D_7271,
        0x3FFE_A4AF_A2A4_90DA, 0xBC8F_F712_8FD3_91F0, 0x3FFE_CF48_2D8E_67F1, 0xBC8D_AE98_E223_747D,
        0x3FFE_FA1B_EE61_5A27, 0x3C8E_C3BC_41AA_2008, 0x3FFF_252B_376B_BA97, 0x3C84_2B94_C3A9_EB32,
        0x3FFF_5076_5B6E_4540, 0x3C8A_64A9_31D1_85EE, 0x3FFF_7BFD_AD9C_BE14, 0xBC8E_37BA_E43B_E3ED,
        0x3FFF_A7C1_819E_90D8, 0x3C77_893B_4D91_CD9D, 0x3FFF_D3C2_2B8F_71F1, 0x3C53_05C1_4160_CC89,
    ]

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
