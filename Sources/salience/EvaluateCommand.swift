import ArgumentParser
import Foundation
import SalienceConfiguration
import SalienceCore
import SalienceEvaluation
import SalienceDatasets

/// `salience evaluate`: what the weights are worth to a trainer, on real data.
struct EvaluateCommand: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "evaluate",
        abstract: "Measure what the samples and weights do for a downstream trainer: variants trained on a dataset, graded on a held-out tail.",
        discussion: """
            Orders the events by time, holds out the last day(s) or fraction, runs the estimator \
            over the rest exactly as one pipeline partition would (same code, the same \
            configuration as `salience run`), trains a separate logistic model on what each \
            variant emits, and scores the holdout: AUC and log-loss of the label, purchase \
            PR-AUC, calibration error, samples trained on. Downsampled and weighted variants are \
            recalibrated (He et al. 2014) before log-loss and calibration.
            """
    )

    @Option(name: .long, help: "The dataset file (default: none; give it or --synthetic N).")
    var data: String?

    @Option(name: .long, help: "Instead of --data, N events from the click-model generator, whose true label probabilities give the Bayes-optimal AUC (streamed: the training events are generated again for every pass, never held; default: none, read --data).")
    var synthetic: Int?

    @Option(name: .long, help: "With --synthetic: the share of events whose label is noise (accidental clicks and missed ones).")
    var labelNoise: Double = 0

    @Option(name: .long, help: "With --synthetic: the generator's seed.")
    var seed: UInt64 = ClickModelStream.Configuration().seed

    @Option(name: .long, help: "Format of --data: \(DatasetFormat.allCases.map(\.rawValue).joined(separator: ", ")).")
    var format: String = "taobao"

    @Option(name: .long, help: "Hold out the events of the last N×24 hours of event time (default: 1 day unless --holdout-fraction).")
    var holdoutDays: Double?

    @Option(name: .long, help: "Hold out the last fraction of the events by time instead (default: none).")
    var holdoutFraction: Double?

    @Option(name: .long, help: "Sampling budgets, comma-separated fractions in (0, 1].")
    var budgets: String = "0.1,0.25,0.5,1"

    @Option(name: .long, help: "Top fraction compared in important-sample identification.")
    var topFraction: Double = 0.1

    @Option(name: .long, help: "Passes of the downstream trainer over its samples.")
    var passes: Int = 3

    @Option(name: .long, help: "Negatives per positive in the attribution+negatives label variant (0 leaves the label variants out).")
    var labelNegatives: Int = 4

    @Option(name: .long, help: "Bootstrap resamples of the holdout behind every interval (0: no intervals).")
    var bootstrapResamples: Int = 1_000

    @Option(name: .long, help: "What the bootstrap resamples: \(HoldoutBootstrap.Unit.allCases.map(\.rawValue).joined(separator: " or ")).")
    var bootstrapUnit: String = HoldoutBootstrap.Unit.user.rawValue

    @Option(name: .long, help: "Seed of the bootstrap draws.")
    var bootstrapSeed: UInt64 = HoldoutBootstrap.Configuration().seed

    @Option(name: .long, help: "Write report.md and SVG plots to this directory (default: none, the tables go to standard output only).")
    var report: String?

    @OptionGroup var settings: SettingsOptions
    @OptionGroup var estimator: EstimatorOptions

    func validate() throws {
        guard data != nil || synthetic != nil else { throw ValidationError("give --data FILE or --synthetic N") }
        guard data == nil || synthetic == nil else { throw ValidationError("give --data FILE or --synthetic N, not both") }
        if let synthetic, synthetic < 100 { throw ValidationError("--synthetic expects a number of events ≥ 100") }
        guard (0...1).contains(labelNoise) else { throw ValidationError("--label-noise expects a share in 0...1") }
        guard DatasetFormat(rawValue: format) != nil else { throw ValidationError("--format: unknown format '\(format)'") }
        guard holdoutDays == nil || holdoutFraction == nil else { throw ValidationError("give --holdout-days or --holdout-fraction, not both") }
        if let holdoutDays, !(holdoutDays > 0) { throw ValidationError("--holdout-days expects a number > 0") }
        if let holdoutFraction, !(holdoutFraction > 0 && holdoutFraction < 1) { throw ValidationError("--holdout-fraction expects a number in (0, 1)") }
        guard try !parsedBudgets().isEmpty else { throw ValidationError("--budgets expects one or more fractions") }
        guard topFraction > 0, topFraction <= 1 else { throw ValidationError("--top-fraction expects a number in (0, 1]") }
        guard passes >= 1 else { throw ValidationError("--passes expects an integer ≥ 1") }
        guard bootstrapResamples >= 0 else { throw ValidationError("--bootstrap-resamples expects an integer ≥ 0") }
        guard HoldoutBootstrap.Unit(rawValue: bootstrapUnit) != nil else {
            throw ValidationError("--bootstrap-unit: expected \(HoldoutBootstrap.Unit.allCases.map(\.rawValue).joined(separator: " or ")), got '\(bootstrapUnit)'")
        }
        guard (0...100).contains(labelNegatives) else { throw ValidationError("--label-negatives expects an integer in 0...100") }
    }

    private func parsedBudgets() throws -> [Double] {
        try budgets.split(separator: ",").map { text in
            guard let budget = Double(text.trimmingCharacters(in: .whitespaces)), budget > 0, budget <= 1 else {
                throw ValidationError("--budgets: '\(text)' is not a fraction in (0, 1]")
            }
            return budget
        }
    }

    /// Training stream, holdout (with true probabilities for a generated
    /// stream) and a line saying what was split.
    private func split() throws -> (training: TrainingValueEvaluation.TrainingStream, holdout: [BehaviorEvent], truth: [Double]?, all: [BehaviorEvent]?) {
        if let synthetic {
            let generator = ClickModelStream.Configuration(events: synthetic, labelNoise: labelNoise, seed: seed)
            let trainingCount: Int
            if let holdoutFraction {
                trainingCount = synthetic - Int((Double(synthetic) * holdoutFraction).rounded())
            } else {
                trainingCount = Int(Double(synthetic) * max(0, 1 - (holdoutDays ?? 1) / generator.days))
            }
            guard trainingCount > 0, trainingCount < synthetic else { throw ValidationError("the holdout leaves no training or no holdout events") }
            var holdout: [BehaviorEvent] = []
            var truth: [Double] = []
            for (index, draw) in ClickModelStream(configuration: generator).enumerated() where index >= trainingCount {
                holdout.append(draw.event)
                truth.append(draw.probability)
            }
            let training = TrainingValueEvaluation.TrainingStream { body in
                for draw in ClickModelStream(configuration: generator).prefix(trainingCount) { body(draw.event) }
            }
            FileHandle.standardError.write(Data("evaluate: \(trainingCount) generated training and \(holdout.count) holdout events (click model, seed \(seed), label noise \(labelNoise))\n".utf8))
            return (training, holdout, truth, nil)
        }
        let data = data!
        let (loaded, badRows) = try DatasetFile.events(path: data, format: DatasetFormat(rawValue: format)!)
        // Stable: events with equal times keep their file order.
        let events = loaded.enumerated().sorted { ($0.element.timestamp, $0.offset) < ($1.element.timestamp, $1.offset) }.map(\.element)
        guard let last = events.last else { throw ValidationError("\(data): no events") }
        let split: Int
        if let holdoutFraction {
            split = events.count - Int((Double(events.count) * holdoutFraction).rounded())
        } else {
            let cutoff = last.timestamp - Int64((holdoutDays ?? 1) * 86_400_000)
            split = events.firstIndex { $0.timestamp > cutoff } ?? events.count
        }
        guard split > 0, split < events.count else { throw ValidationError("the holdout leaves no training or no holdout events") }
        FileHandle.standardError.write(Data("evaluate: \(split) training and \(events.count - split) holdout events (\(badRows) bad rows skipped)\n".utf8))
        return (.init(Array(events[..<split])), Array(events[split...]), nil, events)
    }

    func run() throws {
        let estimatorConfiguration = try settings.load(flags: estimator.settingInputs).settings.pipeline.estimator
        let (trainingStream, holdout, truth, all) = try split()

        let evaluation = TrainingValueEvaluation(configuration: .init(
            estimator: estimatorConfiguration, budgets: try parsedBudgets(), topFraction: topFraction,
            trainer: DownstreamTrainer.Parameters(passes: passes),
            bootstrap: .init(resamples: bootstrapResamples, unit: HoldoutBootstrap.Unit(rawValue: bootstrapUnit)!, seed: bootstrapSeed)
        ))
        let result = evaluation.run(training: trainingStream, holdout: holdout, truth: truth)
        let findings = EvaluationFindings(result)
        print(EvaluationTable.text(columns: EvaluationTable.columns, rows: EvaluationTable.rows(result)))
        print()
        for line in findings.lines { print(line) }
        var labels: DelayedFeedbackEvaluation.Result?
        // The label variants need the events themselves: files only.
        if labelNegatives > 0, let all {
            let training = Array(all[..<(all.count - holdout.count)])
            let evaluation = DelayedFeedbackEvaluation(
                estimator: estimatorConfiguration, trainer: DownstreamTrainer.Parameters(passes: passes), negativesPerPositive: labelNegatives
            )
            let result = evaluation.run(training: training, holdout: holdout)
            print("\nDelayed-feedback labels (predicting conversion within \(Int(estimatorConfiguration.labels.window.totalSeconds)) s of an exposure; "
                + "holdout: \(result.holdoutExposures) exposures, \(result.holdoutConversions) converted):")
            if result.holdoutExposures == 0 {
                print("no holdout exposure has its whole window (estimator.labels.window) inside the holdout: hold out more (--holdout-days) or shorten the window")
            } else {
                print(EvaluationTable.text(columns: EvaluationTable.labelColumns, rows: EvaluationTable.rows(result)))
                for warning in result.warnings {
                    print("warning: \(warning)")
                    FileHandle.standardError.write(Data("evaluate: warning: \(warning)\n".utf8))
                }
                labels = result
            }
        }
        if let report {
            let source = data.map { "`\($0)` (format `\(format)`)" }
                ?? "\(synthetic!) events of the click-model generator (seed \(seed), label noise \(labelNoise); `salience evaluate --synthetic \(synthetic!)`)"
            let written = try EvaluationReportWriter(result: result, labels: labels, findings: findings, data: source,
                                                     estimator: estimatorConfiguration, passes: passes).write(to: report)
            print("\nreport: \(written)")
        }
    }
}
