import Foundation

/// Plain statements about an evaluation: the goals of issue 8 checked, and
/// every variant that does not beat the unweighted full-data baseline.
public struct EvaluationFindings: Sendable {
    /// One statement, and whether it is good news.
    public struct Finding: Sendable {
        public var met: Bool
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

        if let full = baseline?.auc, let importance = variant(.importance, 0.25), let uniform = variant(.uniform, 0.25),
           let importanceAUC = importance.auc, let uniformAUC = uniform.auc {
            let share = importanceAUC / full
            findings.append(Finding(
                met: share >= 0.995,
                text: "importance@0.25 reaches \(percent(share)) of the full-data AUC (\(number(importanceAUC)) vs \(number(full)); goal ≥ 99.5%) on \(importance.samples) samples"
            ))
            findings.append(Finding(
                met: importanceAUC > uniformAUC,
                text: "importance@0.25 AUC \(number(importanceAUC)) vs uniform@0.25 \(number(uniformAUC)) on \(uniform.samples) samples (goal: importance higher)"
            ))
        }
        if let unweighted = baseline?.purchasePRAUC, let balanced = variant(.classBalance, nil)?.purchasePRAUC {
            findings.append(Finding(
                met: balanced > unweighted,
                text: "class-balanced weights: purchase PR-AUC \(number(balanced)) vs unweighted \(number(unweighted)) (goal: higher)"
            ))
        }
        if let baseline, let baselineAUC = baseline.auc {
            for other in result.variants where other.strategy != .unweighted {
                if let auc = other.auc, auc < baselineAUC {
                    findings.append(Finding(met: false, text: "\(other.name) does not beat the unweighted full-data AUC (\(number(auc)) < \(number(baselineAUC)))"))
                }
            }
        }
        let identification = result.identification
        findings.append(Finding(
            met: identification.precision > identification.topFraction,
            text: "important-sample identification, top \(percent(identification.topFraction)): precision \(number(identification.precision)), recall \(number(identification.recall)), F1 \(number(identification.f1)) (random: \(number(identification.topFraction)))"
        ))
    }

    /// The findings as lines, each marked `met` or `not met`.
    public var lines: [String] {
        findings.map { "\($0.met ? "met:    " : "not met:") \($0.text)" }
    }
}
