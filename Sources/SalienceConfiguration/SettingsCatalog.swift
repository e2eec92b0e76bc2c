import Logging
import SalienceCore
import SalienceOperations
import SaliencePipeline

/// Every setting Salience reads, in the order `config print`, the schema and
/// docs/configuration.md list them. Keys under `kafka.` that are not listed here are
/// librdkafka properties and pass through unchanged.
public enum SettingsCatalog {
    /// The section whose unlisted keys are librdkafka properties.
    public static let kafkaSection = "kafka"

    /// All keys.
    public static var keys: [SettingKey] {
        kafkaKeys + pipelineKeys + estimatorKeys + sampleKeys + decoderKeys + operationsKeys
    }

    /// The key at `path`, if there is one.
    public static func key(_ path: String) -> SettingKey? {
        keys.first { $0.path == path }
    }

    /// Every section (`estimator`, `estimator.features` …): paths that hold keys.
    public static var sections: Set<String> {
        var sections: Set<String> = [kafkaSection]
        for key in keys {
            var parts = key.path.split(separator: ".").dropLast()
            while !parts.isEmpty {
                sections.insert(parts.joined(separator: "."))
                parts = parts.dropLast()
            }
        }
        return sections
    }

    private static var kafkaKeys: [SettingKey] {
        [
            .list("kafka.bootstrap_servers", \.pipeline.kafka.bootstrapServers, "Brokers to bootstrap from, host:port."),
            .text("kafka.client_id", \.pipeline.kafka.clientID, "The client id reported to brokers."),
        ]
    }

    private static var pipelineKeys: [SettingKey] {
        [
            .text("group", \.pipeline.group, "The consumer group; partitions and their state are shared among its members."),
            .list("topics", \.pipeline.inputTopics, "Input topics of behaviour events."),
            .text("samples_topic", \.pipeline.samplesTopic, "Weighted samples, co-partitioned with the input."),
            .choice("output.format", \.pipeline.sampleFormat, "Samples on the samples topic: json, or protobuf (one salience.v1.WeightedSample per record); the salience.sample.format header names it."),
            .text("dead_letter_topic", \.pipeline.deadLetterTopic, "Refused messages with their reason, co-partitioned with the input."),
            .text("checkpoint_topic", \.pipeline.checkpointTopic, "Estimator checkpoints (compacted in production)."),
            .text("models_topic", \.pipeline.modelsTopic, "Model exports for trainers."),
            .optionalText("checkpoint_directory", \.pipeline.checkpointDirectory,
                          "Also keep checkpoints and model exports as files in this directory; empty for none."),
            .choice("delivery", \.pipeline.delivery, "The delivery guarantee (docs/delivery.md)."),
            .optionalText("instance_id", \.pipeline.instanceID,
                          "A name for this process that stays the same across restarts and that no other running process of the group uses; under transactional delivery a restart then fences the transaction a killed run left open. Empty: host and process id."),
            .integer("checkpoint_every_events", \.pipeline.checkpointEveryEvents, 1...100_000_000,
                     "Checkpoint a partition after this many events…"),
            .duration("checkpoint_every_event_time", \.pipeline.checkpointEveryEventTime,
                      "…or after this much event time, whichever comes first."),
            .integer("checkpoint_full_every", \.pipeline.checkpointFullEvery, 1...10_000,
                     "Every Nth checkpoint of a partition is its full state; the others hold only what changed since the previous one. 1 writes every checkpoint whole."),
            .choice("offset_reset", \.pipeline.offsetReset, "Where a partition without checkpoint or committed offset starts."),
            .integer("poll_batch", \.pipeline.pollBatch, 1...100_000, "Messages taken per poll."),
            .integer("engine.threads", \.pipeline.threads, 0...256,
                     "Engine threads, each a consumer-group member owning a disjoint set of partitions; 0 for one per core the process may use."),
            .integer("max_message_bytes", \.pipeline.maxMessageBytes, 1024...100_000_000,
                     "Largest message Salience writes; checkpoints and model exports are split into chunks this size."),
            .integer("max_in_flight_messages", \.pipeline.maxInFlightMessages, 1...10_000_000,
                     "Producer queue capacity; a full queue makes consumption wait."),
            .duration("linger", \.pipeline.linger, allowsZero: true,
                      "How long the producer waits to fill a batch: lower for latency, higher for fewer, larger requests."),
            .boolean("tcp_no_delay", \.pipeline.tcpNoDelay, "Producers send requests at once (TCP_NODELAY); with Nagle's algorithm a small request can wait up to 40 ms for the broker's delayed acknowledgement."),
            .duration("shutdown_timeout", \.pipeline.shutdownTimeout, "How long shutdown may take to drain, checkpoint and commit."),
            .duration("session_timeout", \.pipeline.sessionTimeout, "Consumer group session timeout."),
        ]
    }

    private static var estimatorKeys: [SettingKey] {
        let types = BehaviorType.allCases.map(\.name)
        let expertWeights = BehaviorType.allCases.map { type in
            SettingKey(
                "estimator.expert_weights.\(type.name)", .number(NumberBounds(0, included: false)),
                "Expert weight of \(type.name) events.",
                get: { .number($0.pipeline.estimator.expertWeights[type] ?? 1) }
            ) { settings, value in
                if case .number(let weight) = value { settings.pipeline.estimator.expertWeights[type] = weight }
            }
        }
        let fields = FeatureField.allCases.map(\.rawValue)
        return [
            SettingKey(
                "estimator.positive_types", .list(choices: types), "Behaviour types labelled 1; all others are 0.",
                get: { .list($0.pipeline.estimator.positiveTypes.sorted().map(\.name)) }
            ) { settings, value in
                if case .list(let names) = value { settings.pipeline.estimator.positiveTypes = Set(names.compactMap(BehaviorType.init(name:))) }
            },
        ] + expertWeights + [
            .boolean("estimator.use_expert_weights", \.pipeline.estimator.useExpertWeights, "Multiply objective weights by the expert weight of the type."),
            .boolean("estimator.use_class_balance", \.pipeline.estimator.useClassBalance, "Class-balanced weights (1−β)/(1−β^n_c)."),
            .boolean("estimator.use_popularity_debiasing", \.pipeline.estimator.usePopularityDebiasing, "Down-weight popular items, (f_item / mean f)^−α."),
            .boolean("estimator.use_user_damping", \.pipeline.estimator.useUserDamping, "Down-weight heavy users, (f_user / mean f)^−β_u."),
            .number("estimator.class_balance_beta", \.pipeline.estimator.classBalanceBeta, NumberBounds(0, included: false, 1, included: false), "β of the class-balance weight."),
            .number("estimator.popularity_exponent", \.pipeline.estimator.popularityExponent, NumberBounds(0, 2), "α of popularity debiasing."),
            .number("estimator.user_damping_exponent", \.pipeline.estimator.userDampingExponent, NumberBounds(0, 2), "β_u of heavy-user damping."),
            SettingKey(
                "estimator.objective_min", .number(NumberBounds(0, included: false)), "Objective weights are clipped below at this.",
                get: { .number($0.pipeline.estimator.objectiveRange.lowerBound) }
            ) { settings, value in
                if case .number(let low) = value {
                    settings.pipeline.estimator.objectiveRange = low...max(low, settings.pipeline.estimator.objectiveRange.upperBound)
                }
            },
            SettingKey(
                "estimator.objective_max", .number(NumberBounds(0, included: false)), "Objective weights are clipped above at this.",
                get: { .number($0.pipeline.estimator.objectiveRange.upperBound) }
            ) { settings, value in
                if case .number(let high) = value {
                    settings.pipeline.estimator.objectiveRange = min(high, settings.pipeline.estimator.objectiveRange.lowerBound)...high
                }
            },
            .boolean("estimator.sampling.enabled", \.pipeline.estimator.samplingEnabled, "Sample events by gradient score; off keeps every event with sampling weight 1."),
            .number("estimator.sampling.target_rate", \.pipeline.estimator.samplingTargetRate, NumberBounds(0, included: false, 1), "The expected kept fraction: keep probability min(1, max(min_keep_probability, c × score)), c maintained in event time so the decayed mean keep probability is target_rate; 1 keeps every event."),
            .number("estimator.sampling.min_keep_probability", \.pipeline.estimator.minimumKeepProbability, NumberBounds(0, included: false, 1), "The least keep probability; bounds the sampling weight by its inverse."),
            .number("estimator.sampling.uniform_mix", \.pipeline.estimator.samplingUniformMix, NumberBounds(0, 1),
                    "Share of uniform sampling mixed into the score the keep probability follows: (1 − mix)·score + mix."),
            .seed("estimator.sampling.seed", \.pipeline.estimator.samplingSeed, "Seed of the keep decision xxh64(event id, seed) < p_keep."),
            .optionalDuration("estimator.frequency_half_life", \.pipeline.estimator.frequencyHalfLife, "Half-life of item, user and category frequencies; none for no decay."),
            .optionalDuration("estimator.class_half_life", \.pipeline.estimator.classHalfLife, "Half-life of the decayed class counts."),
            .optionalDuration("estimator.normalizer_half_life", \.pipeline.estimator.normalizerHalfLife, "Half-life of the means that normalise scores and weights."),
            .optionalDuration("estimator.metrics_half_life", \.pipeline.estimator.metricsHalfLife, "Half-life of the recent log-loss."),
            .number("estimator.sketch_epsilon", \.pipeline.estimator.sketchEpsilon, NumberBounds(1e-7, included: false, 1, included: false), "Count-min sketch error relative to the decayed total; memory grows as 1/ε."),
            .number("estimator.sketch_delta", \.pipeline.estimator.sketchDelta, NumberBounds(0, included: false, 1, included: false), "Count-min sketch failure probability."),
            .integer("estimator.logq_bucket_bits", \.pipeline.estimator.logQBucketBits, 4...30, "log-Q buckets are 2^bits."),
            .number("estimator.logq_rate", \.pipeline.estimator.logQRate, NumberBounds(1 / Double(LogQEstimator.gapsSeenLimit), 1), "log-Q gap moving-average rate (at least 1/65535: a bucket counts up to 65,535 gaps)."),
            .seed("estimator.statistics_seed", \.pipeline.estimator.statisticsSeed, "Seed mixed into the ids' hashes for the sketches' and log-Q's keys."),
            .duration("estimator.allowed_lateness", \.pipeline.estimator.allowedLateness, allowsZero: true, "How late an event may be and still count as on time for the watermark."),
            SettingKey(
                "estimator.features.fields", .list(choices: fields), "Event fields hashed into the online model's features.",
                get: { .list($0.pipeline.estimator.features.fields.map(\.rawValue)) }
            ) { settings, value in
                if case .list(let names) = value { settings.pipeline.estimator.features.fields = names.compactMap(FeatureField.init(rawValue:)) }
            },
            SettingKey(
                "estimator.features.crosses", .list(choices: crossChoices), "Crossed field pairs, as first*second.",
                get: { .list($0.pipeline.estimator.features.crosses.map(\.description)) }
            ) { settings, value in
                if case .list(let names) = value { settings.pipeline.estimator.features.crosses = names.compactMap(cross(named:)) }
            },
            .boolean("estimator.features.include_context", \.pipeline.estimator.features.includeContext, "Whether the keys of an event's context become features."),
            .integer("estimator.features.bits", \.pipeline.estimator.features.bits, 8...28, "The online model has 2^bits weights."),
            .seed("estimator.features.seed", \.pipeline.estimator.features.seed, "Seed of every feature namespace (Schemas/README.md, \"Hashing\")."),
            .number("estimator.ftrl.alpha", \.pipeline.estimator.ftrl.alpha, NumberBounds(0, included: false), "FTRL-Proximal per-coordinate learning rate scale α."),
            .number("estimator.ftrl.beta", \.pipeline.estimator.ftrl.beta, NumberBounds(0), "FTRL-Proximal learning rate smoothing β."),
            .number("estimator.ftrl.l1", \.pipeline.estimator.ftrl.l1, NumberBounds(0), "FTRL-Proximal L1 strength."),
            .number("estimator.ftrl.l2", \.pipeline.estimator.ftrl.l2, NumberBounds(0), "FTRL-Proximal L2 strength."),
            .choice("estimator.online_model_weight", \.pipeline.estimator.onlineModelWeight,
                    "unit: the online model learns each event once, so its error is an honest difficulty score; objective: updates scaled by the objective weight."),
        ]
    }

    /// Label policy (delayed feedback) and negative generation: part of the
    /// estimator's state, so under its fingerprint.
    private static var sampleKeys: [SettingKey] {
        let types = BehaviorType.allCases.map(\.name)
        func typeSet(_ path: String, _ keyPath: WritableKeyPath<SalienceSettings, Set<BehaviorType>>, _ summary: String) -> SettingKey {
            SettingKey(path, .list(choices: types), summary, get: { .list($0[keyPath: keyPath].sorted().map(\.name)) }) { settings, value in
                if case .list(let names) = value { settings[keyPath: keyPath] = Set(names.compactMap(BehaviorType.init(name:))) }
            }
        }
        return [
            .choice("estimator.labels.policy", \.pipeline.estimator.labels.policy,
                    "per_event: each event labelled by its type; attribution: exposures wait for a conversion within the window; fake_negative: exposures emitted at once as negatives, conversions add a weighted positive duplicate."),
            typeSet("estimator.labels.exposure_types", \.pipeline.estimator.labels.exposureTypes, "Types that wait for a conversion (attribution, fake_negative)."),
            typeSet("estimator.labels.conversion_types", \.pipeline.estimator.labels.conversionTypes, "Types that convert a pending exposure of the same user and item."),
            .duration("estimator.labels.window", \.pipeline.estimator.labels.window, "A conversion at c converts an exposure at t when t ≤ c ≤ t + window (event time)."),
            .integer("estimator.labels.max_pending", \.pipeline.estimator.labels.maxPending, 1...100_000_000,
                     "Most exposures waiting at once; past it the one with the earliest deadline is released early (counted)."),
            .choice("estimator.labels.unattributed_conversions", \.pipeline.estimator.labels.unattributedConversions,
                    "What a conversion without a pending exposure becomes: emit (a label-1 sample of its own) or drop."),
            .integer("estimator.labels.conversion_model_bits", \.pipeline.estimator.labels.conversionModelBits, 8...26,
                     "fake_negative: the conversion model behind the weights has 2^bits weights."),
            .boolean("estimator.validation_alignment.enabled", \.pipeline.estimator.validationAlignment.enabled,
                     "Multiply the objective weight by the validation-aligned weight max(0, ⟨∇ℓ_i, ∇ℓ_val⟩) / its decayed mean (Ren et al. 2018), against a reservoir of held-back events."),
            .number("estimator.validation_alignment.share", \.pipeline.estimator.validationAlignment.share, NumberBounds(0, included: false, 1, included: false),
                    "Share of events held back from the online model into the validation reservoir (by a hash of the event id)."),
            .integer("estimator.validation_alignment.reservoir", \.pipeline.estimator.validationAlignment.reservoir, 8...65_536,
                     "Most recent held-back events the validation gradient is computed over."),
            .integer("estimator.validation_alignment.refresh_events", \.pipeline.estimator.validationAlignment.refreshEvents, 1...1_000_000,
                     "Events between recomputations of the validation gradient under the current model."),
            typeSet("estimator.validation_alignment.types", \.pipeline.estimator.validationAlignment.types,
                    "Types whose labels are trusted for validation; only these are held back (default: every type)."),
            .seed("estimator.validation_alignment.seed", \.pipeline.estimator.validationAlignment.seed, "Seed of the hold-back decision xxh64(event id, seed) < share."),
            .integer("estimator.negatives.per_positive", \.pipeline.estimator.negatives.perPositive, 0...100, "Negatives drawn per positive sample; 0 turns generation off."),
            .number("estimator.negatives.popularity_power", \.pipeline.estimator.negatives.popularityPower, NumberBounds(0, 2),
                    "Items are drawn with probability ∝ decayed popularity^power."),
            .integer("estimator.negatives.candidates", \.pipeline.estimator.negatives.candidates, 2...10_000_000, "Most popular items the sampler draws from."),
            .integer("estimator.negatives.rebuild_every_events", \.pipeline.estimator.negatives.rebuildEveryEvents, 1...100_000_000,
                     "The alias table is rebuilt every this many events of the partition (a stream boundary, so replays agree)."),
            .duration("estimator.negatives.popularity_half_life", \.pipeline.estimator.negatives.popularityHalfLife, "Half-life of the item popularity."),
            .duration("estimator.negatives.exclusion_window", \.pipeline.estimator.negatives.exclusionWindow, allowsZero: true,
                      "Items the user interacted with this recently are not drawn (best effort)."),
            .integer("estimator.negatives.max_recent_interactions", \.pipeline.estimator.negatives.maxRecentInteractions, 0...100_000_000,
                     "Most (user, item) pairs remembered for the exclusion."),
            .seed("estimator.negatives.seed", \.pipeline.estimator.negatives.seed, "Seed of the draws xxh64(positive event id, seed + index)."),
        ]
    }

    private static var decoderKeys: [SettingKey] {
        [
            .integer("decoder.max_event_bytes", \.pipeline.decoder.maxEventBytes, 64...16_777_216, "Larger messages are dead-lettered as oversize."),
            .integer("decoder.max_depth", \.pipeline.decoder.maxDepth, 1...1024, "How deep arrays and objects in ignored fields may nest."),
        ]
    }

    private static var operationsKeys: [SettingKey] {
        [
            .boolean("http.enabled", \.operations.enabled, "Serve /metrics, /healthz and /readyz."),
            .text("http.host", \.operations.host, "Address the HTTP endpoint binds; loopback unless you open it."),
            .integer("http.port", \.operations.port, 0...65535, "Port of the HTTP endpoint; 0 picks a free one."),
            .integer("http.ready_max_lag", \.operations.readyMaxLag, 0...Int(Int32.max), "/readyz is 200 once partitions are assigned and their summed lag is at most this."),
            .duration("http.liveness_timeout", \.operations.livenessTimeout, "/healthz fails when the pipeline loop has not turned for this long."),
            .choice("log.level", \.logging.level, "The least severe level logged."),
            .choice("log.format", \.logging.format, "text for people, json for one JSON object per line."),
        ]
    }

    private static var crossChoices: [String] {
        FeatureField.allCases.flatMap { first in FeatureField.allCases.filter { $0 != first }.map { "\(first.rawValue)*\($0.rawValue)" } }
    }

    private static func cross(named name: String) -> FeatureCross? {
        let parts = name.split(separator: "*").compactMap { FeatureField(rawValue: String($0)) }
        return parts.count == 2 ? FeatureCross(parts[0], parts[1]) : nil
    }
}
