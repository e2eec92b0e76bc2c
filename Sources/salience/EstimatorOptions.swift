import ArgumentParser
import SalienceCore

/// The estimator's main settings as flags.
struct EstimatorOptions: ParsableArguments {
    @Option(name: .long, help: "Behaviour types labelled 1, comma-separated.")
    var positiveTypes: String = "click,cart,fav,purchase"

    @Option(name: .long, help: "Keep events with probability clamp(rate × gradient score, min, 1); omit to keep all.")
    var samplingRate: Double?

    @Option(name: .long, help: "The online model has 2^bits weights.")
    var featureBits: Int = 20

    @Option(name: .long, help: "Count-min sketch error ε relative to the decayed total (memory grows as 1/ε).")
    var sketchEpsilon: Double = 1e-4

    @Option(name: .long, help: "log-Q buckets are 2^bits.")
    var logqBucketBits: Int = 20

    @Option(name: .long, help: "Half-life of item and user frequencies, in hours.")
    var frequencyHalfLifeHours: Double = 6

    @Flag(name: .long, help: "Turn off class balance weights.")
    var noClassBalance = false

    @Flag(name: .long, help: "Turn off popularity debiasing.")
    var noPopularity = false

    @Flag(name: .long, help: "Turn off heavy-user damping.")
    var noUserDamping = false

    @Flag(name: .long, help: "Turn off expert weights per behaviour type.")
    var noExpertWeights = false

    func configuration() throws -> EstimatorConfiguration {
        var configuration = EstimatorConfiguration()
        var positives = Set<BehaviorType>()
        for name in positiveTypes.split(separator: ",") {
            guard let type = BehaviorType(name: String(name)) else {
                throw ValidationError("--positive-types: '\(name)' is not one of \(BehaviorType.allCases.map(\.name).joined(separator: ", "))")
            }
            positives.insert(type)
        }
        configuration.positiveTypes = positives
        if let samplingRate {
            configuration.samplingEnabled = true
            configuration.samplingTargetRate = samplingRate
        }
        configuration.features.bits = featureBits
        configuration.sketchEpsilon = sketchEpsilon
        configuration.logQBucketBits = logqBucketBits
        guard frequencyHalfLifeHours > 0 else { throw ValidationError("--frequency-half-life-hours expects a number > 0") }
        configuration.frequencyHalfLife = .milliseconds(Int64(frequencyHalfLifeHours * 3_600_000))
        configuration.useClassBalance = !noClassBalance
        configuration.usePopularityDebiasing = !noPopularity
        configuration.useUserDamping = !noUserDamping
        configuration.useExpertWeights = !noExpertWeights
        let errors = configuration.validationErrors()
        guard errors.isEmpty else { throw ValidationError(errors.joined(separator: "; ")) }
        return configuration
    }
}
