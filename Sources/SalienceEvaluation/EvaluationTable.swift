import Foundation
import SalienceCore

/// The variants of an evaluation as aligned text or Markdown tables.
public enum EvaluationTable {
    /// The columns of ``rows(_:)-(TrainingValueEvaluation.Result)``.
    public static let columns = [
        "variant", "samples", "AUC [95% CI]", "ΔAUC vs unweighted [95% CI]", "log-loss [95% CI]", "purchase PR-AUC [95% CI]",
        "ΔPR-AUC vs unweighted [95% CI]", "ECE [95% CI]", "odds ratio",
    ]
    /// The columns of ``rows(_:)-(DelayedFeedbackEvaluation.Result)``.
    public static let labelColumns = ["variant", "samples", "positives", "AUC", "log-loss", "conversion PR-AUC", "ECE", "ranking AUC (uniform)", "ranking AUC (popular)"]

    /// One row per variant: values with their intervals.
    public static func rows(_ result: TrainingValueEvaluation.Result) -> [[String]] {
        result.variants.map { variant in
            [
                variant.name, String(variant.samples),
                number(variant.auc, variant.intervals[.auc]), difference(variant.differenceFromBaseline[.auc]),
                number(variant.logLoss, variant.intervals[.logLoss]),
                number(variant.purchasePRAUC, variant.intervals[.purchasePRAUC]), difference(variant.differenceFromBaseline[.purchasePRAUC]),
                number(variant.calibrationError, variant.intervals[.calibrationError]), String(format: "%.3f", variant.oddsRatio),
            ]
        }
    }

    /// One row per label variant.
    public static func rows(_ result: DelayedFeedbackEvaluation.Result) -> [[String]] {
        result.variants.map { variant in
            [
                variant.name, String(variant.samples), String(variant.positives), number(variant.auc),
                number(variant.logLoss), number(variant.conversionPRAUC), number(variant.calibrationError),
                number(variant.rankingAUCUniform), number(variant.rankingAUCPopular),
            ]
        }
    }

    /// Columns padded to their widest cell; the first left-aligned, the rest right-aligned.
    public static func text(columns: [String], rows: [[String]]) -> String {
        let rows = [columns] + rows
        let widths = columns.indices.map { column in rows.map { $0[column].count }.max() ?? 0 }
        return rows.map { row in
            row.enumerated().map { column, cell in
                column == 0 ? cell.padding(toLength: widths[column], withPad: " ", startingAt: 0)
                    : String(repeating: " ", count: widths[column] - cell.count) + cell
            }.joined(separator: "  ")
        }.joined(separator: "\n")
    }

    /// A Markdown table.
    public static func markdown(columns: [String], rows: [[String]]) -> String {
        ([columns, columns.map { _ in "---" }] + rows).map { "| " + $0.joined(separator: " | ") + " |" }.joined(separator: "\n")
    }

    static func number(_ value: Double?) -> String {
        value.map { String(format: "%.4f", $0) } ?? "n/a"
    }

    /// `0.8123 [0.8001, 0.8240]`, or the value alone without an interval.
    static func number(_ value: Double?, _ interval: ConfidenceInterval?) -> String {
        guard let interval, value != nil else { return number(value) }
        return "\(number(value)) [\(number(interval.lower)), \(number(interval.upper))]"
    }

    /// `[-0.0012, +0.0031]`, or `–` for the baseline itself.
    static func difference(_ interval: ConfidenceInterval?) -> String {
        interval.map { String(format: "[%+.4f, %+.4f]", $0.lower, $0.upper) } ?? "–"
    }
}
