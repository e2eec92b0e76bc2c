import Foundation
import SalienceConfiguration
import SalienceKafka
import SaliencePipeline
import SalienceTestSupport
import Testing

@Suite("Settings: file, environment and flags", .ownThreads)
struct SettingsLoaderTests {
    /// Writes `text` to a temporary YAML file and returns its path.
    static func file(_ text: String) throws -> String {
        let path = FileManager.default.temporaryDirectory.appendingPathComponent("salience-\(UUID().uuidString).yaml").path
        try text.write(toFile: path, atomically: true, encoding: .utf8)
        return path
    }

    static func problems(file text: String? = nil, environment: [String: String] = [:], flags: [SettingInput] = []) throws -> [String] {
        let path = try text.map(file)
        do {
            _ = try SettingsLoader(file: path, environment: environment, flags: flags).load()
            return []
        } catch {
            return error.problems.map(\.description)
        }
    }

    @Test("No file, no variables, no flags: the documented defaults")
    func defaults() throws {
        let loaded = try SettingsLoader(environment: [:]).load()
        let defaults = PipelineConfiguration()
        #expect(loaded.settings.pipeline.estimator.fingerprint == defaults.estimator.fingerprint)
        #expect(loaded.settings.pipeline.group == "salience")
        #expect(loaded.settings.pipeline.inputTopics == ["events"])
        #expect(loaded.settings.pipeline.kafka == KafkaClientConfiguration())
        #expect(loaded.settings.operations.host == "127.0.0.1")
        #expect(loaded.settings.operations.port == 9464)
        #expect(loaded.sources.isEmpty)
    }

    @Test("Flags override the environment, which overrides the file; each source is recorded")
    func precedence() throws {
        let path = try Self.file("""
            group: from-file
            topics: [clicks, carts]
            estimator:
              features:
                bits: 18
              sampling:
                enabled: true
                target_rate: 0.1
            kafka:
              bootstrap_servers: "a:9092,b:9092"
            """)
        let loaded = try SettingsLoader(
            file: path,
            environment: ["SALIENCE_GROUP": "from-env", "SALIENCE_ESTIMATOR_FEATURES_BITS": "22", "HOME": "/root"],
            flags: [.flag("--group", path: "group", "from-flag")]
        ).load()
        let settings = loaded.settings.pipeline
        #expect(settings.group == "from-flag")
        #expect(settings.inputTopics == ["clicks", "carts"])
        #expect(settings.estimator.features.bits == 22)
        #expect(settings.estimator.samplingEnabled)
        #expect(settings.estimator.samplingTargetRate == 0.1)
        #expect(settings.kafka.bootstrapServers == ["a:9092", "b:9092"])
        #expect(loaded.sources["group"] == .flag("--group"))
        #expect(loaded.sources["estimator.features.bits"] == .environment(variable: "SALIENCE_ESTIMATOR_FEATURES_BITS"))
        #expect(loaded.sources["topics"] == .file(path: path, line: 2, column: 1))
        #expect(loaded.sources["estimator.sampling.target_rate"] == .file(path: path, line: 8, column: 5))
    }

    @Test("A mistyped key fails with its file position and the nearest valid key")
    func typoSuggestion() throws {
        let problems = try Self.problems(file: """
            group: g
            estimator:
              popularity_exponnent: 0.5
              featurs:
                bits: 20
            htp:
              port: 9000
            """)
        #expect(problems.count == 3)
        #expect(problems[0].hasSuffix(":3:3: estimator.popularity_exponnent: unknown key; did you mean 'estimator.popularity_exponent'?"))
        #expect(problems[1].hasSuffix(":4:3: estimator.featurs: unknown key; did you mean 'estimator.features'?"))
        #expect(problems[2].hasSuffix(":6:1: htp: unknown key; did you mean 'http'?"))
        #expect(try Self.problems(file: "completely_unrelated_name: 1").first?.hasSuffix("completely_unrelated_name: unknown key") == true)
    }

    @Test("Wrong types and out-of-range values name the key, the value and the expected form", arguments: [
        ("estimator:\n  features:\n    bits: 40", "estimator.features.bits: got 40, expected an integer in 8...28"),
        ("estimator:\n  features:\n    bits: \"20\"", "estimator.features.bits: got the string \"20\", expected an integer in 8...28"),
        ("estimator:\n  sampling:\n    target_rate: 0", "estimator.sampling.target_rate: got 0, expected a number in (0, 1]"),
        ("estimator:\n  logq_rate: 0.000001", "estimator.logq_rate: got 0.000001, expected a number in [1.5259021896696422e-05, 1]"),
        ("estimator:\n  sampling:\n    enabled: maybe", "estimator.sampling.enabled: got maybe, expected true or false"),
        // YAML 1.1's bare booleans are refused like the quoted string (YAML 1.2 reads them as strings).
        ("estimator:\n  sampling:\n    enabled: yes", "estimator.sampling.enabled: got yes, expected true or false"),
        ("estimator:\n  sampling:\n    enabled: no", "estimator.sampling.enabled: got no, expected true or false"),
        ("http:\n  enabled: on", "http.enabled: got on, expected true or false"),
        ("http:\n  enabled: off", "http.enabled: got off, expected true or false"),
        ("delivery: exactly-once", "delivery: got exactly-once, expected one of exactly_once, transactional, at_least_once"),
        ("session_timeout: 10", "session_timeout: got 10, expected a duration like 500ms, 30s, 15m, 6h or 1d"),
        ("estimator:\n  positive_types: [click, buy]", "estimator.positive_types: got the list [click, buy], expected a list of one or more of impression, view, click, cart, fav, purchase"),
        ("estimator:\n  sampling:\n    seed: -1", "estimator.sampling.seed: got -1, expected an unsigned 64-bit integer (decimal or 0x hexadecimal)"),
        ("group: [a, b]", "group: got the list [a, b], expected non-empty text"),
        ("estimator: 5", "estimator: is a section; expected a mapping of its keys"),
        ("group:\n  name: g", "group: got a mapping, expected non-empty text"),
        ("http:\n  port: 70000", "http.port: got 70000, expected an integer in 0...65535"),
        ("log:\n  level: loud", "log.level: got loud, expected one of trace, debug, info, notice, warning, error, critical"),
    ])
    func refusedValues(yaml: String, expected: String) throws {
        let problems = try Self.problems(file: yaml)
        #expect(problems.count == 1)
        #expect(problems.first?.hasSuffix(expected) == true, "\(problems)")
    }

    @Test("Every accepted form of each kind reads as the documented value")
    func acceptedForms() throws {
        let loaded = try SettingsLoader(file: Self.file("""
            checkpoint_every_event_time: 90m
            shutdown_timeout: 1.5s
            estimator:
              frequency_half_life: none
              allowed_lateness: 0s
              sampling:
                seed: 0xBEEF
              statistics_seed: 12_345
              features:
                crosses: [user*item]
              expert_weights:
                purchase: 8
            checkpoint_directory:
            linger: 0s
            tcp_no_delay: false
            """), environment: ["SALIENCE_ESTIMATOR_POSITIVE_TYPES": "cart, purchase"]).load()
        let settings = loaded.settings.pipeline
        #expect(settings.checkpointEveryEventTime == .seconds(5400))
        #expect(settings.shutdownTimeout == .milliseconds(1500))
        #expect(settings.estimator.frequencyHalfLife == nil)
        #expect(settings.estimator.allowedLateness == .zero)
        #expect(settings.estimator.samplingSeed == 0xBEEF)
        #expect(settings.estimator.statisticsSeed == 12_345)
        #expect(settings.estimator.features.crosses.map(\.description) == ["user*item"])
        #expect(settings.estimator.expertWeights[.purchase] == 8)
        #expect(settings.estimator.expertWeights[.view] == 0.2)
        #expect(settings.estimator.positiveTypes == [.cart, .purchase])
        #expect(settings.checkpointDirectory == nil)
        #expect(settings.linger == .zero)
        #expect(settings.tcpNoDelay == false)
    }

    @Test("Keys given twice, aliases, crossed ranges and bad YAML are refused")
    func structuralProblems() throws {
        #expect(try Self.problems(file: "group: a\ngroup: b").first?.contains("duplicated key(s): 'group'") == true)
        #expect(try Self.problems(file: "estimator:\n  objective_min: 30").first?.hasSuffix(
            "estimator.objective_min: 30 is above estimator.objective_max (20); expected min ≤ max") == true)
        #expect(try Self.problems(file: "group: [unclosed").first?.contains("not valid YAML") == true)
        #expect(try Self.problems(file: "just a string").first?.hasSuffix("expected a mapping of settings at the top level") == true)
        #expect(try Self.problems(file: "topics: [events]\nsamples_topic: events").first?.contains("an input topic cannot also be an output topic") == true)
        #expect(try Self.problems(file: "linger: 901s") == ["linger: expected a duration from 0s to 900s, got 901000ms"])
    }

    @Test("Environment variables: SALIENCE_<PATH>, librdkafka properties under SALIENCE_KAFKA_, unknown ones suggested")
    func environment() throws {
        let loaded = try SettingsLoader(environment: [
            "SALIENCE_HTTP_PORT": "0", "SALIENCE_KAFKA_SECURITY_PROTOCOL": "SASL_SSL", "SALIENCE_KAFKA_SASL_MECHANISM": "PLAIN",
            "SALIENCE_SHARED_DATA": "/data", "PATH": "/bin",
        ]).load()
        #expect(loaded.settings.operations.port == 0)
        #expect(loaded.settings.pipeline.kafka.properties == ["security.protocol": "SASL_SSL", "sasl.mechanism": "PLAIN"])
        let problems = try Self.problems(environment: ["SALIENCE_ESTIMATOR_FEATURE_BITS": "20"])
        #expect(problems == [
            "env SALIENCE_ESTIMATOR_FEATURE_BITS: not a setting; did you mean SALIENCE_ESTIMATOR_FEATURES_BITS? (settings are listed by `salience config print`)",
        ])
    }

    @Test("librdkafka properties pass through from nested YAML; librdkafka itself checks them")
    func kafkaPassThrough() throws {
        let loaded = try SettingsLoader(file: Self.file("""
            kafka:
              bootstrap_servers: [broker:9093]
              security.protocol: SASL_SSL
              sasl:
                mechanism: SCRAM-SHA-512
                username: salience
                password: hunter2
              linger.ms: 5
              enable.idempotence: true
            """), environment: [:]).load()
        #expect(loaded.settings.pipeline.kafka.properties == [
            "security.protocol": "SASL_SSL", "sasl.mechanism": "SCRAM-SHA-512", "sasl.username": "salience",
            "sasl.password": "hunter2", "linger.ms": "5", "enable.idempotence": "true",
        ])
        let unknown = try Self.problems(file: "kafka:\n  securty.protocol: SSL")
        #expect(unknown.first?.contains("'securty.protocol': unknown property") == true, "\(unknown)")
        let invalid = try Self.problems(file: "kafka:\n  security.protocol: TLS")
        #expect(invalid.first?.contains("'security.protocol': invalid value") == true, "\(invalid)")
    }

    @Test("Secrets never appear in printed configurations or errors")
    func secrets() throws {
        let secret = "hunter2-\(UUID().uuidString)"
        let path = try Self.file("kafka:\n  sasl.password: \(secret)\n  ssl.key.password: \(secret)\n  sasl.oauthbearer.config: \(secret)")
        let loaded = try SettingsLoader(file: path, environment: [:]).load()
        #expect(SettingsReport.secrets(in: loaded) == ["kafka.sasl.oauthbearer.config", "kafka.sasl.password", "kafka.ssl.key.password"])
        let printed = SettingsReport.yaml(loaded)
        #expect(!printed.contains(secret))
        #expect(printed.contains("sasl.password: \"<redacted>\""))
        #expect(!KafkaClientConfiguration.isSecret(property: "ssl.key.location"))
        #expect(!KafkaClientConfiguration.isSecret(property: "sasl.mechanism"))
        // A refused configuration holding the secret still does not show it.
        let refused = try Self.problems(file: "kafka:\n  sasl.password: \(secret)\n  linger.ms: soon")
        #expect(!refused.isEmpty)
        #expect(!refused.joined().contains(secret))
    }

    @Test("The printed configuration loads back to the same settings")
    func printRoundTrip() throws {
        let original = try SettingsLoader(file: Self.file("""
            group: recs
            topics: [a, b]
            delivery: transactional
            estimator:
              frequency_half_life: none
              sampling: {enabled: true, target_rate: 0.3, seed: 7}
            kafka:
              linger.ms: 20
            log: {format: json, level: debug}
            """), environment: [:]).load()
        let printed = SettingsReport.yaml(original)
        let reloaded = try SettingsLoader(file: Self.file(printed), environment: [:]).load()
        #expect(reloaded.settings.pipeline.estimator == original.settings.pipeline.estimator)
        #expect(reloaded.settings.pipeline.kafka == original.settings.pipeline.kafka)
        #expect(reloaded.settings.pipeline.group == "recs")
        #expect(reloaded.settings.pipeline.delivery == .transactional)
        #expect(reloaded.settings.logging == original.settings.logging)
        #expect(reloaded.settings.operations == original.settings.operations)
        for key in SettingsCatalog.keys {
            #expect(printed.contains("\(key.path.split(separator: ".").last!): "), "\(key.path) missing from config print")
        }
    }
}
