import Foundation
import SalienceCore

/// Plain statements about an evaluation: its goals checked, and every
/// variant that scores below the unweighted full-data baseline. A claim is
/// "met" only when its bootstrap interval lies wholly on the right side of
/// the goal, "not met" when wholly on the wrong side, "not shown" otherwise.
public struct EvaluationFindings: Sendable {
    /// What the intervals say about a claim.
    public enum Verdict: String, Sendable {
        case met
        case notShown = "not shown"
        case notMet = "not met"

        /// The verdict on "the statistic is above `goal`" given its interval.
        public init(_ interval: ConfidenceInterval?, above goal: Double) {
            guard let interval else { self = .notShown; return }
            self = interval.lower > goal ? .met : interval.upper < goal ? .notMet : .notShown
        }
    }

    /// One statement and its verdict.
    public struct Finding: Sendable {
        public var verdict: Verdict
        public var text: String
    }

    public var findings: [Finding] = []

    public init(_ result: TrainingValueEvaluation.Result) {
        let baseline = result.variants.first { $0.strategy == .unweighted }
        func variant(_ strategy: TrainingValueEvaluation.Strategy, _ budget: Double?) -> TrainingValueEvaluation.VariantResult? {
            result.variants.first { $0.strategy == strategy && $0.budget == budget }
        }
        func percent(_ value: Double) -> String { String(format: "%.2f%%", value * 100) }
        func number(_ value: Double?) -> String { value.map { String(format: "%.4f", $0) } ?? "n/a" }
        func range(_ interval: ConfidenceInterval?, percent asPercent: Bool = false) -> String {
            guard let interval else { return "[no interval]" }
            let format = { (value: Double) in asPercent ? percent(value) : String(format: "%+.4f", value) }
            return "[\(format(interval.lower)), \(format(interval.upper))]"
        }
        let level = String(format: "%.0f%%", result.bootstrap.configuration.level * 100)

        if let baseline, let full = baseline.auc, let importance = variant(.importance, 0.25), let uniform = variant(.uniform, 0.25),
           let importanceAUC = importance.auc, let uniformAUC = uniform.auc {
            let share = result.ratio(.auc, importance.name, baseline.name)
            findings.append(Finding(
                verdict: Verdict(share, above: 0.995),
                text: "importance@0.25 reaches \(percent(importanceAUC / full)) of the full-data AUC, \(level) interval \(range(share, percent: true)) (\(number(importanceAUC)) vs \(number(full)); goal ≥ 99.5%) on \(importance.samples) samples"
            ))
            let difference = result.difference(.auc, importance.name, uniform.name)
            findings.append(Finding(
                verdict: Verdict(difference, above: 0),
                text: "importance@0.25 AUC \(number(importanceAUC)) vs uniform@0.25 \(number(uniformAUC)) on \(uniform.samples) samples: difference \(range(difference)) (goal: importance higher)"
            ))
        }
        if let baseline, let unweighted = baseline.purchasePRAUC, let balanced = variant(.classBalance, nil), let balancedPRAUC = balanced.purchasePRAUC {
            let difference = balanced.differenceFromBaseline[.purchasePRAUC]
            findings.append(Finding(
                verdict: Verdict(difference, above: 0),
                text: "class-balanced weights: purchase PR-AUC \(number(balancedPRAUC)) vs unweighted \(number(unweighted)): difference \(range(difference)) (goal: higher)"
            ))
        }
        if let baseline, let baselineAUC = baseline.auc {
            for other in result.variants where other.strategy != .unweighted {
                guard let auc = other.auc, auc < baselineAUC else { continue }
                let difference = other.differenceFromBaseline[.auc]
                let below = Verdict(difference, above: 0) == .notMet
                findings.append(Finding(
                    verdict: below ? .notMet : .notShown,
                    text: "\(other.name) AUC \(number(auc)) vs unweighted full-data \(number(baselineAUC)): difference \(range(difference)) (\(below ? "below the baseline" : "not distinguishable from it"))"
                ))
            }
        }
        let identification = result.identification
        let precision = Self.wilsonInterval(successes: identification.precision * Double(identification.selected), trials: identification.selected)
        findings.append(Finding(
            verdict: Verdict(precision, above: identification.topFraction),
            text: "important-sample identification, top \(percent(identification.topFraction)) of training events: precision \(number(identification.precision)) \(range(precision, percent: true)) (Wilson), recall \(number(identification.recall)), F1 \(number(identification.f1)) (random: \(number(identification.topFraction)))"
        ))
    }

    /// The 95 % Wilson score interval of a binomial proportion.
    static func wilsonInterval(successes: Double, trials: Int) -> ConfidenceInterval? {
        guard trials > 0 else { return nil }
        let n = Double(trials), z = 1.959963984540054
        let p = successes / n
        let centre = (p + z * z / (2 * n)) / (1 + z * z / n)
        let half = z / (1 + z * z / n) * (p * (1 - p) / n + z * z / (4 * n * n)).squareRoot()
        return ConfidenceInterval(lower: centre - half, upper: centre + half)
    }

    /// The findings as lines, each starting with its verdict.
    public var lines: [String] {
        findings.map { ($0.verdict.rawValue + ":").padding(toLength: 10, withPad: " ", startingAt: 0) + " " + $0.text }
    }
}
