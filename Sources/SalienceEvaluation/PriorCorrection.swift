import SalienceCore

/// Undoes the shift in base rate that weighting or downsampling causes, as
/// He et al. (2014, "Practical Lessons from Predicting Clicks on Ads at
/// Facebook", §5) recalibrate after negative downsampling:
/// `q = p / (p + (1 − p) · r)`, where `r` is how much the training weights
/// raised the odds of a positive:
/// `r = (W₊ / W₋) / (N₊ / N₋)` — weighted class totals of the samples trained
/// on over the class counts of the population they came from. Downsampling
/// negatives at rate `w` without reweighting gives `r = 1/w`, He et al.'s
/// formula; Horvitz–Thompson weights give `r ≈ 1`, no correction.
public struct PriorCorrection: Sendable, Hashable {
    /// The odds ratio `r`.
    public let oddsRatio: Double

    public init(oddsRatio: Double) {
        self.oddsRatio = oddsRatio
    }

    /// The correction for training `weights` of `labels` drawn from a
    /// population with `populationPositives` of `populationCount` positive.
    public init(weights: [Double], labels: [Bool], populationPositives: Int, populationCount: Int) {
        var positive = 0.0
        var negative = 0.0
        for (weight, label) in zip(weights, labels) {
            if label { positive += weight } else { negative += weight }
        }
        self.init(positiveWeight: positive, negativeWeight: negative, populationPositives: populationPositives, populationCount: populationCount)
    }

    /// The correction for training whose positives weigh `positiveWeight` in
    /// all and negatives `negativeWeight`, as above.
    public init(positiveWeight positive: Double, negativeWeight negative: Double, populationPositives: Int, populationCount: Int) {
        let populationNegatives = populationCount - populationPositives
        guard positive > 0, negative > 0, populationPositives > 0, populationNegatives > 0 else {
            self.init(oddsRatio: 1)
            return
        }
        self.init(oddsRatio: (positive / negative) / (Double(populationPositives) / Double(populationNegatives)))
    }

    /// The correction for a trainer's weighted `examples`, as above.
    public init(examples: [DownstreamTrainer.Example], populationPositives: Int, populationCount: Int) {
        self.init(weights: examples.map(\.weight), labels: examples.map(\.label),
                  populationPositives: populationPositives, populationCount: populationCount)
    }

    /// The recalibrated probability.
    public func callAsFunction(_ prediction: Double) -> Double {
        prediction / (prediction + (1 - prediction) * oddsRatio)
    }
}
