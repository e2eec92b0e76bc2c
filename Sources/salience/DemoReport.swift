import Foundation
import SalienceCore
import SaliencePipeline

/// What `salience demo` prints: counts, the weight distribution per behaviour
/// type, the extreme samples with their components, the model's quality, and
/// where the state went.
struct DemoReport {
    let statistics: PipelineStatistics.Snapshot
    let samples: [WeightedSampleRecord]
    let checkpoints: [ImportanceEstimator]
    let checkpointDirectory: String

    func render() -> String {
        var lines: [String] = []
        lines.append("")
        lines.append("== Summary")
        lines.append("events in:    \(statistics.eventsIn)")
        lines.append("samples out:  \(statistics.samplesOut)")
        lines.append("dead letters: \(statistics.deadLetters) (" + statistics.deadLettersByReason.sorted { $0.key < $1.key }.map { "\($0.key) \($0.value)" }.joined(separator: ", ") + ")")
        lines.append("")
        lines.append("== Weight per behaviour type (log10 scale; weight = objective × sampling)")
        lines += histogram()
        lines.append("")
        // Ties (clipped weights are common) broken by event id, so the lists repeat exactly.
        let sorted = samples.sorted { ($0.weight, $1.eventID) > ($1.weight, $0.eventID) }
        lines.append("== Five highest-weighted samples")
        lines += sorted.prefix(5).map(describe)
        lines.append("")
        lines.append("== Five lowest-weighted samples")
        lines += sorted.suffix(5).reversed().map(describe)
        lines.append("")
        lines.append("   expert: the behaviour's configured worth; class: rare labels weigh more (effective number);")
        lines.append("   popularity: popular items weigh less; user: heavy users weigh less; the product is normalised")
        lines.append("   to mean 1 and clipped; sampling weight is 1/p_keep (1 while sampling is off).")
        lines.append("")
        lines.append("== Online model (progressive validation: each event scored before learning from it)")
        let events = checkpoints.reduce(Int64(0)) { $0 + $1.metrics.events }
        let logLoss = checkpoints.reduce(0.0) { $0 + ($1.metrics.logLoss ?? 0) * Double($1.metrics.events) } / Double(max(events, 1))
        let aucs = checkpoints.compactMap(\.metrics.auc)
        lines.append(String(format: "progressive log-loss %.4f over %d events; AUC by partition %@", logLoss, events,
                            aucs.map { String(format: "%.3f", $0) }.joined(separator: ", ")))
        lines.append("")
        lines.append("== Where the state went")
        lines.append("checkpoints:   topic salience-checkpoints, and files under \(checkpointDirectory)/salience-demo/events/")
        lines.append("model exports: topic salience-models, and \(checkpointDirectory)/salience-demo/events/<partition>.model.json")
        return lines.joined(separator: "\n")
    }

    private func histogram() -> [String] {
        let buckets = stride(from: -2.0, to: 2.0, by: 0.5).map { $0 }
        var lines = ["           " + buckets.map { "≥\(formatPower($0))".padding(toLength: 6, withPad: " ", startingAt: 0) }.joined()]
        for type in BehaviorType.allCases {
            let weights = samples.filter { $0.type == type.name }.map(\.weight)
            guard !weights.isEmpty else { continue }
            let counts = buckets.map { lower in weights.filter { log10($0) >= lower && log10($0) < lower + 0.5 }.count }
            let below = weights.filter { log10($0) < -2 }.count
            let total = Double(weights.count)
            let bars = counts.map { count -> String in
                let blocks = Int((Double(count) / total * 5).rounded(.up))
                return (String(repeating: "█", count: count == 0 ? 0 : max(1, blocks)) + "      ").prefix(6).description
            }
            let mean = weights.reduce(0, +) / total
            lines.append(type.name.padding(toLength: 11, withPad: " ", startingAt: 0) + bars.joined()
                         + String(format: " n=%d mean=%.3f", weights.count, mean) + (below > 0 ? " (\(below) below 0.01)" : ""))
        }
        return lines
    }

    private func formatPower(_ exponent: Double) -> String {
        let value = pow(10, exponent)
        return value < 1 ? String(format: "%.2g", value) : String(format: "%.0f", value)
    }

    private func describe(_ sample: WeightedSampleRecord) -> String {
        let o = sample.objective
        return String(
            format: "  %@ user %@ item %@: weight %.3f = objective %.3f × sampling %.2f  [expert %.2f, class %.2f, popularity %.2f, user %.2f; model p %.3f, log q %.2f]",
            sample.type.padding(toLength: 8, withPad: " ", startingAt: 0), sample.userID, sample.itemID, sample.weight,
            o["weight"] ?? 0, sample.sampling["weight"] ?? 0, o["expert"] ?? 0, o["class_balance"] ?? 0,
            o["popularity"] ?? 0, o["user_damping"] ?? 0, sample.modelScore, sample.logQ
        )
    }
}
