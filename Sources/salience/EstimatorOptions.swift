import ArgumentParser
import SalienceConfiguration

/// The estimator's most used settings as flags; every other one is a key of
/// the configuration file or `--set`.
struct EstimatorOptions: ParsableArguments {
    @Option(name: .long, help: "Behaviour types labelled 1, comma-separated (estimator.positive_types; default click,cart,fav,purchase).")
    var positiveTypes: String?

    @Option(name: .long, help: "Keep events with probability clamp(rate × gradient score, min, 1) (estimator.sampling.*); default: none, every event kept.")
    var samplingRate: String?

    @Option(name: .long, help: "The online model has 2^bits weights (estimator.features.bits; default 20).")
    var featureBits: String?

    @Option(name: .long, help: "Count-min sketch error ε relative to the decayed total (estimator.sketch_epsilon; default 0.0001).")
    var sketchEpsilon: String?

    @Option(name: .long, help: "log-Q buckets are 2^bits (estimator.logq_bucket_bits; default 20).")
    var logqBucketBits: String?

    @Option(name: .long, help: "Half-life of item and user frequencies, in hours (estimator.frequency_half_life; default 6).")
    var frequencyHalfLifeHours: String?

    @Flag(name: .long, help: "Turn off class balance weights.")
    var noClassBalance = false

    @Flag(name: .long, help: "Turn off popularity debiasing.")
    var noPopularity = false

    @Flag(name: .long, help: "Turn off heavy-user damping.")
    var noUserDamping = false

    @Flag(name: .long, help: "Turn off expert weights per behaviour type.")
    var noExpertWeights = false

    /// The flags given, as settings.
    var settingInputs: [SettingInput] {
        var inputs: [SettingInput] = []
        func add(_ flag: String, _ path: String, _ value: String?) {
            if let value { inputs.append(.flag(flag, path: path, value)) }
        }
        add("--positive-types", "estimator.positive_types", positiveTypes)
        add("--sampling-rate", "estimator.sampling.enabled", samplingRate.map { _ in "true" })
        add("--sampling-rate", "estimator.sampling.target_rate", samplingRate)
        add("--feature-bits", "estimator.features.bits", featureBits)
        add("--sketch-epsilon", "estimator.sketch_epsilon", sketchEpsilon)
        add("--logq-bucket-bits", "estimator.logq_bucket_bits", logqBucketBits)
        add("--frequency-half-life-hours", "estimator.frequency_half_life", frequencyHalfLifeHours.map { "\($0)h" })
        add("--no-class-balance", "estimator.use_class_balance", noClassBalance ? "false" : nil)
        add("--no-popularity", "estimator.use_popularity_debiasing", noPopularity ? "false" : nil)
        add("--no-user-damping", "estimator.use_user_damping", noUserDamping ? "false" : nil)
        add("--no-expert-weights", "estimator.use_expert_weights", noExpertWeights ? "false" : nil)
        return inputs
    }
}
