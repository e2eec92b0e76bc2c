import Foundation
import SalienceCore

/// `report.md` and its SVG plots for `salience evaluate --report DIR`.
public struct EvaluationReportWriter {
    let result: TrainingValueEvaluation.Result
    let labels: DelayedFeedbackEvaluation.Result?
    let findings: EvaluationFindings
    /// Where the events came from, as Markdown.
    let data: String
    let estimator: EstimatorConfiguration
    let passes: Int

    /// A writer of the report of `result` (and of the label variants, when
    /// run) on the events `data` describes (Markdown), evaluated under `estimator`
    /// with a downstream trainer of `passes` passes.
    public init(
        result: TrainingValueEvaluation.Result, labels: DelayedFeedbackEvaluation.Result?, findings: EvaluationFindings,
        data: String, estimator: EstimatorConfiguration, passes: Int
    ) {
        self.result = result
        self.labels = labels
        self.findings = findings
        self.data = data
        self.estimator = estimator
        self.passes = passes
    }

    /// Writes the report and returns the path of `report.md`.
    public func write(to directory: String) throws -> String {
        try FileManager.default.createDirectory(atPath: directory, withIntermediateDirectories: true)
        let shownBudget = result.samplingWeights.keys.min { abs($0 - 0.25) < abs($1 - 0.25) } ?? 0.25
        let plots: [(file: String, svg: String)] = [
            ("auc_vs_budget.svg", metricPlot("Holdout AUC vs sampling budget", "AUC", .auc)),
            ("logloss_vs_budget.svg", metricPlot("Holdout log-loss (recalibrated) vs budget", "log-loss", .logLoss)),
            ("purchase_prauc_vs_budget.svg", metricPlot("Purchase PR-AUC vs budget", "PR-AUC", .purchasePRAUC)),
            ("objective_weights_by_type.svg", SVGChart.boxes(
                title: "Objective weight per behaviour type (training events)", yLabel: "objective weight",
                groups: BehaviorType.allCases.map { ($0.name, result.objectiveWeights[$0] ?? []) }
            )),
            ("sampling_weights_by_type.svg", SVGChart.boxes(
                title: "Sampling weight 1/p per type, kept events at budget \(shownBudget)", yLabel: "sampling weight",
                groups: BehaviorType.allCases.map { ($0.name, result.samplingWeights[shownBudget]?[$0] ?? []) }
            )),
        ]
        for plot in plots {
            try plot.svg.write(toFile: (directory as NSString).appendingPathComponent(plot.file), atomically: true, encoding: .utf8)
        }
        let path = (directory as NSString).appendingPathComponent("report.md")
        try markdown(plots: plots.map(\.file)).write(toFile: path, atomically: true, encoding: .utf8)
        return path
    }

    /// The metric against the budget per sampled variant, with its bootstrap
    /// intervals as error bars; the variants on every event as reference lines.
    private func metricPlot(_ title: String, _ label: String, _ metric: TrainingValueEvaluation.Metric) -> String {
        var series: [SVGChart.Series] = []
        for strategy in [TrainingValueEvaluation.Strategy.uniform, .importance, .objectiveImportance] {
            let variants = result.variants.filter { $0.strategy == strategy && $0.value(metric) != nil }
            if !variants.isEmpty {
                series.append(.init(
                    name: strategy.rawValue, points: variants.map { (x: $0.budget ?? 1, y: $0.value(metric)!) },
                    intervals: variants.map { $0.intervals[metric] }
                ))
            }
        }
        for strategy in [TrainingValueEvaluation.Strategy.unweighted, .classBalance, .objective, .validation] {
            if let variant = result.variants.first(where: { $0.strategy == strategy }), let value = variant.value(metric) {
                series.append(.init(name: "\(strategy.rawValue) (all)", points: [(x: 1, y: value)], intervals: [variant.intervals[metric]]))
            }
        }
        return SVGChart.lines(title: title, xLabel: "budget (fraction of training events)", yLabel: label, series: series)
    }

    private func labelSection(_ labels: DelayedFeedbackEvaluation.Result) -> String {
        let names = { (types: Set<BehaviorType>) in types.sorted().map(\.name).joined(separator: ", ") }
        return """

            ## Delayed-feedback labels and negatives

            The task here is conversion: an exposure (\(names(estimator.labels.exposureTypes))) is positive when the \
            same user converts (\(names(estimator.labels.conversionTypes))) on the same item within \
            \(estimator.labels.window). The holdout's exposures are labelled by the `attribution` policy over the \
            holdout (\(labels.holdoutExposures) exposures whose window closed, \(labels.holdoutConversions) converted); \
            \(labels.trainingConversions) of the \(labels.trainingExposures) training exposures converted. Each variant \
            trains the same logistic regression on what the estimator releases under a policy, unit weights unless \
            said: `per_event` (every event labelled by its type, the default policy), `attribution`, \
            `attribution+negatives` (plus \(labels.negativesPerPositive) negatives per positive drawn from \
            popularity^\(estimator.negatives.popularityPower)), `fake_negative (unweighted)` and `fake_negative` \
            (weights `(1 − p)(1 + p)` and `1 + p`, Ktena et al. 2019). Log-loss and calibration are after the prior \
            correction to the training exposures' conversion rate.

            \(EvaluationTable.markdown(columns: EvaluationTable.labelColumns, rows: EvaluationTable.rows(labels)))
            \(labels.warnings.map { "\n**Warning:** \($0).\n" }.joined())
            """
    }


    private func markdown(plots: [String]) -> String {
        var text = """
            # Training value of Salience's samples and weights

            Data: \(data): \(result.trainingEvents) training events, \(result.holdoutEvents) held out \
            (\(result.holdoutPositives) positives, \(result.holdoutPurchases) purchases). Labels: \
            \(estimator.positiveTypes.sorted().map(\.name).joined(separator: ", ")) are 1.

            The estimator ran over the training events in time order as one pipeline partition, with the \
            configuration of fingerprint `\(String(estimator.fingerprint, radix: 16))`. Each variant trained its own \
            logistic regression (FTRL-Proximal over the estimator's hashed features, \(passes) passes in time order) on \
            the samples it emits, with their weights. Log-loss and calibration error are computed after the prior \
            correction of He et al. (2014), `q = p / (p + (1 − p)·r)`, with `r` the odds ratio the weights put on the \
            training set (column "odds ratio"; 1 means no correction). Uniform sampling keeps each event with the \
            budget as its probability. Each budget is the estimator's `sampling.target_rate`: keep \
            probability `min(1, max(min, c × gradient score))` with `c` maintained in event time so that the decayed \
            mean keep probability is the rate. Every interval is a \(String(format: "%.0f", result.bootstrap.configuration.level * 100)) % \
            percentile interval over \(result.bootstrap.configuration.resamples) bootstrap resamples of the holdout's \
            \(result.bootstrap.configuration.unit.rawValue)s (seed \(result.bootstrap.configuration.seed)); "Δ" columns are paired \
            intervals of the variant minus `unweighted` on the same resamples. A finding is met only when its interval \
            lies wholly on the right side of its goal, not met when wholly on the wrong side, not shown otherwise.\
            \(result.expectedBayesAUC.map { " The generator's true probabilities rank the holdout with AUC \(String(format: "%.4f", $0)) in expectation over its labels (row `bayes_optimal`: the same ranking on the labels drawn)." } ?? "") Kept fractions: \(result.keptFractions.sorted { $0.key < $1.key }.map { "budget \($0.key) → \(String(format: "%.4f", $0.value))" }.joined(separator: ", ")).

            ## Results

            \(EvaluationTable.markdown(columns: EvaluationTable.columns, rows: EvaluationTable.rows(result)))

            ## Findings

            """
        for finding in findings.findings {
            text += "- **\(finding.verdict.rawValue)**: \(finding.text)\n"
        }
        if let labels { text += labelSection(labels) }
        text += "\n## Plots\n\n"
        for plot in plots { text += "![\(plot)](\(plot))\n\n" }
        return text
    }
}
