import Foundation
import SalienceCore

/// The variants of an evaluation as aligned text or Markdown tables.
enum EvaluationTable {
    static let columns = ["variant", "samples", "AUC", "log-loss", "purchase PR-AUC", "ECE", "odds ratio"]
    static let labelColumns = ["variant", "samples", "positives", "AUC", "log-loss", "conversion PR-AUC", "ECE", "ranking AUC (uniform)", "ranking AUC (popular)"]

    static func rows(_ result: TrainingValueEvaluation.Result) -> [[String]] {
        result.variants.map { variant in
            [
                variant.name, String(variant.samples), number(variant.auc), number(variant.logLoss),
                number(variant.purchasePRAUC), number(variant.calibrationError), String(format: "%.3f", variant.oddsRatio),
            ]
        }
    }

    static func rows(_ result: DelayedFeedbackEvaluation.Result) -> [[String]] {
        result.variants.map { variant in
            [
                variant.name, String(variant.samples), String(variant.positives), number(variant.auc),
                number(variant.logLoss), number(variant.conversionPRAUC), number(variant.calibrationError),
                number(variant.rankingAUCUniform), number(variant.rankingAUCPopular),
            ]
        }
    }

    /// Columns padded to their widest cell; the first left-aligned, the rest right-aligned.
    static func text(columns: [String], rows: [[String]]) -> String {
        let rows = [columns] + rows
        let widths = columns.indices.map { column in rows.map { $0[column].count }.max() ?? 0 }
        return rows.map { row in
            row.enumerated().map { column, cell in
                column == 0 ? cell.padding(toLength: widths[column], withPad: " ", startingAt: 0)
                    : String(repeating: " ", count: widths[column] - cell.count) + cell
            }.joined(separator: "  ")
        }.joined(separator: "\n")
    }

    static func markdown(columns: [String], rows: [[String]]) -> String {
        ([columns, columns.map { _ in "---" }] + rows).map { "| " + $0.joined(separator: " | ") + " |" }.joined(separator: "\n")
    }

    static func number(_ value: Double?) -> String {
        value.map { String(format: "%.4f", $0) } ?? "n/a"
    }
}
