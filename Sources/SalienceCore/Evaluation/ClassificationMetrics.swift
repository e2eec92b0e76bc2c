import Foundation

/// Holdout metrics of a probabilistic binary classifier. Each takes the
/// predictions and the labels of the same examples, in any order.
public enum ClassificationMetrics {
    /// Area under the ROC curve (the Mann–Whitney statistic, ties counted
    /// half), or `nil` without both classes.
    public static func auc(_ predictions: [Double], _ labels: [Bool]) -> Double? {
        precondition(predictions.count == labels.count)
        let order = predictions.indices.sorted { predictions[$0] < predictions[$1] }
        var rankSumPositives = 0.0
        var positives = 0.0
        for group in tiedGroups(order, predictions) {
            let averageRank = Double(group.lowerBound + group.upperBound - 1) / 2 + 1
            for position in group where labels[order[position]] {
                rankSumPositives += averageRank
                positives += 1
            }
        }
        let negatives = Double(order.count) - positives
        guard positives > 0, negatives > 0 else { return nil }
        return (rankSumPositives - positives * (positives + 1) / 2) / (positives * negatives)
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
        precondition(predictions.count == labels.count)
        let order = predictions.indices.sorted { predictions[$0] > predictions[$1] }
        let totalPositives = labels.filter { $0 }.count
        guard totalPositives > 0 else { return nil }
        var truePositives = 0
        var area = 0.0
        for group in tiedGroups(order, predictions) {
            let positivesInGroup = group.filter { labels[order[$0]] }.count
            truePositives += positivesInGroup
            area += Double(positivesInGroup) / Double(totalPositives) * Double(truePositives) / Double(group.upperBound)
        }
        return area
    }

    /// Positions in `order` grouped into runs of equal prediction.
    private static func tiedGroups(_ order: [Int], _ predictions: [Double]) -> [Range<Int>] {
        var groups: [Range<Int>] = []
        var start = 0
        while start < order.count {
            var end = start + 1
            while end < order.count, predictions[order[end]] == predictions[order[start]] { end += 1 }
            groups.append(start..<end)
            start = end
        }
        return groups
    }

    /// Expected calibration error over `bins` equal-width bins of the
    /// prediction: Σ (n_bin / n) · |mean prediction − positive rate|.
    public static func expectedCalibrationError(_ predictions: [Double], _ labels: [Bool], bins: Int = 10) -> Double {
        precondition(predictions.count == labels.count && !labels.isEmpty && bins > 0)
        var count = [Double](repeating: 0, count: bins)
        var predicted = [Double](repeating: 0, count: bins)
        var observed = [Double](repeating: 0, count: bins)
        for (prediction, label) in zip(predictions, labels) {
            let bin = min(bins - 1, max(0, Int(prediction * Double(bins))))
            count[bin] += 1
            predicted[bin] += prediction
            observed[bin] += label ? 1 : 0
        }
        var error = 0.0
        for bin in 0..<bins where count[bin] > 0 {
            error += abs(predicted[bin] - observed[bin]) / Double(labels.count)
        }
        return error
    }
}
