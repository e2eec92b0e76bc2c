import Foundation
import SalienceCore

/// Holdout metrics of a probabilistic binary classifier. Each takes the
/// predictions and the labels of the same examples, in any order.
public enum ClassificationMetrics {
    /// Area under the ROC curve (the Mann–Whitney statistic, ties counted
    /// half), or `nil` without both classes.
    public static func auc(_ predictions: [Double], _ labels: [Bool]) -> Double? {
        RankedPredictions(predictions).auc(labels)
    }

    /// The AUC that ranking by `probabilities` has in expectation when each
    /// example's label is drawn with its probability: the chance that a
    /// random positive outranks a random negative (ties half),
    /// `Σ_{i≠j} p_i (1 − p_j) [p_i > p_j] / Σ_{i≠j} p_i (1 − p_j)`, or `nil`
    /// when no pair can be ordered.
    public static func expectedAUC(_ probabilities: [Double]) -> Double? {
        let order = probabilities.indices.sorted { probabilities[$0] < probabilities[$1] }
        var negativesBelow = 0.0
        var ordered = 0.0
        var start = 0
        while start < order.count {
            var end = start + 1
            while end < order.count, probabilities[order[end]] == probabilities[order[start]] { end += 1 }
            var groupPositive = 0.0
            var groupNegative = 0.0
            var groupSelf = 0.0
            for position in start..<end {
                let p = probabilities[order[position]]
                groupPositive += p
                groupNegative += 1 - p
                groupSelf += p * (1 - p)
            }
            // Pairs inside a tie count half; an example is never paired with itself.
            ordered += groupPositive * negativesBelow + (groupPositive * groupNegative - groupSelf) / 2
            negativesBelow += groupNegative
            start = end
        }
        let positives = probabilities.reduce(0, +)
        let pairs = positives * (Double(probabilities.count) - positives) - probabilities.reduce(0) { $0 + $1 * (1 - $1) }
        return pairs > 0 ? ordered / pairs : nil
    }

    /// Each example's log-loss, clamped as in ``logLoss(_:_:)``.
    public static func losses(_ predictions: [Double], _ labels: [Bool]) -> [Double] {
        zip(predictions, labels).map { logLoss($0, $1) }
    }

    /// Mean log-loss, predictions clamped to [1e-15, 1 − 1e-15].
    public static func logLoss(_ predictions: [Double], _ labels: [Bool]) -> Double {
        precondition(predictions.count == labels.count && !labels.isEmpty)
        return zip(predictions, labels).reduce(0) { $0 + logLoss($1.0, $1.1) } / Double(labels.count)
    }

    /// The log-loss of one prediction, clamped as in ``logLoss(_:_:)``.
    public static func logLoss(_ prediction: Double, _ label: Bool) -> Double {
        let p = min(max(prediction, 1e-15), 1 - 1e-15)
        return label ? -log(p) : -log(1 - p)
    }

    /// Area under the precision–recall curve as average precision (the mean
    /// of the precision at each positive, tied predictions taken together),
    /// or `nil` without positives.
    public static func averagePrecision(_ predictions: [Double], _ labels: [Bool]) -> Double? {
        RankedPredictions(predictions).averagePrecision(labels)
    }

    /// Expected calibration error over `bins` equal-width bins of the
    /// prediction: Σ (n_bin / n) · |mean prediction − positive rate|.
    public static func expectedCalibrationError(_ predictions: [Double], _ labels: [Bool], bins: Int = 10) -> Double {
        precondition(predictions.count == labels.count && !labels.isEmpty && bins > 0)
        return calibrationError(predictions, labels, weights: nil, bins: bins) ?? 0
    }

    /// Expected calibration error over `bins` equal-width bins with examples
    /// weighted (each once when `weights` is `nil`), or `nil` when the weights are all 0.
    public static func calibrationError(_ predictions: [Double], _ labels: [Bool], weights: [Double]?, bins: Int = 10) -> Double? {
        var predicted = [Double](repeating: 0, count: bins)
        var observed = [Double](repeating: 0, count: bins)
        var total = 0.0
        for example in predictions.indices {
            let weight = weights?[example] ?? 1
            guard weight > 0 else { continue }
            let prediction = predictions[example]
            let bin = min(bins - 1, max(0, Int(prediction * Double(bins))))
            predicted[bin] += weight * prediction
            observed[bin] += labels[example] ? weight : 0
            total += weight
        }
        guard total > 0 else { return nil }
        return zip(predicted, observed).reduce(0) { $0 + abs($1.0 - $1.1) } / total
    }
}

/// Predictions sorted once, so their metrics can be computed again under
/// any weighting of the examples (each bootstrap resample weighs an example
/// by how often it was drawn) in one pass each, without sorting again.
/// With weights `nil` every example counts once.
public struct RankedPredictions: Sendable {
    /// The predictions, by example.
    public let predictions: [Double]
    /// Example indices by ascending prediction.
    private let ascending: [Int]
    /// Runs of equal prediction, as ranges of `ascending`.
    private let ties: [Range<Int>]

    public init(_ predictions: [Double]) {
        self.predictions = predictions
        ascending = predictions.indices.sorted { predictions[$0] < predictions[$1] }
        var ties: [Range<Int>] = []
        var start = 0
        while start < ascending.count {
            var end = start + 1
            while end < ascending.count, predictions[ascending[end]] == predictions[ascending[start]] { end += 1 }
            ties.append(start..<end)
            start = end
        }
        self.ties = ties
    }

    /// ROC AUC with ties counted half, or `nil` without both classes.
    public func auc(_ labels: [Bool], weights: [Double]? = nil) -> Double? {
        precondition(labels.count == predictions.count && weights.map { $0.count == labels.count } ?? true)
        var negativesBelow = 0.0
        var area = 0.0
        var positives = 0.0
        for group in ties {
            var groupPositives = 0.0
            var groupNegatives = 0.0
            for position in group {
                let example = ascending[position]
                let weight = weights?[example] ?? 1
                if labels[example] { groupPositives += weight } else { groupNegatives += weight }
            }
            area += groupPositives * (negativesBelow + groupNegatives / 2)
            negativesBelow += groupNegatives
            positives += groupPositives
        }
        guard positives > 0, negativesBelow > 0 else { return nil }
        return area / (positives * negativesBelow)
    }

    /// Average precision (tied predictions taken together), or `nil` without positives.
    public func averagePrecision(_ labels: [Bool], weights: [Double]? = nil) -> Double? {
        precondition(labels.count == predictions.count && weights.map { $0.count == labels.count } ?? true)
        var totalPositives = 0.0
        for example in predictions.indices where labels[example] { totalPositives += weights?[example] ?? 1 }
        guard totalPositives > 0 else { return nil }
        var truePositives = 0.0
        var seen = 0.0
        var area = 0.0
        for group in ties.reversed() {
            var groupPositives = 0.0
            for position in group {
                let example = ascending[position]
                let weight = weights?[example] ?? 1
                seen += weight
                if labels[example] { groupPositives += weight }
            }
            truePositives += groupPositives
            if groupPositives > 0 { area += groupPositives / totalPositives * truePositives / seen }
        }
        return area
    }

    /// Mean log-loss (predictions clamped as in ``ClassificationMetrics/logLoss(_:_:)``),
    /// or `nil` when the weights are all 0.
    public func logLoss(_ labels: [Bool], weights: [Double]? = nil) -> Double? {
        logLoss(losses: ClassificationMetrics.losses(predictions, labels), weights: weights)
    }

    /// ``logLoss(_:weights:)`` from each example's loss, computed once for many weightings.
    public func logLoss(losses: [Double], weights: [Double]?) -> Double? {
        var total = 0.0
        var count = 0.0
        for example in losses.indices {
            let weight = weights?[example] ?? 1
            total += weight * losses[example]
            count += weight
        }
        return count > 0 ? total / count : nil
    }

    /// Expected calibration error over `bins` equal-width bins, or `nil` when the weights are all 0.
    public func calibrationError(_ labels: [Bool], weights: [Double]? = nil, bins: Int = 10) -> Double? {
        ClassificationMetrics.calibrationError(predictions, labels, weights: weights, bins: bins)
    }
}
