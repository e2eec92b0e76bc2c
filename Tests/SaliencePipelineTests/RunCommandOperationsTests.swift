#if canImport(FoundationNetworking)
#endif
import Foundation
import FoundationNetworking
import SalienceTestSupport
import Testing

/// The `salience run` binary configured by a file and the environment:
/// what it serves and logs, and how it refuses a bad configuration.
@Suite("salience run: configuration file, metrics endpoint, JSON logs", .ownThreads, .timeLimit(.minutes(3)))
struct RunCommandOperationsTests {
    static func writeConfiguration(_ text: String) throws -> String {
        let path = FileManager.default.temporaryDirectory.appendingPathComponent("salience-\(UUID().uuidString).yaml").path
        try text.write(toFile: path, atomically: true, encoding: .utf8)
        return path
    }

    static func get(_ url: String) async throws -> (status: Int, body: String) {
        let (data, response) = try await URLSession.shared.data(from: URL(string: url)!)
        return ((response as? HTTPURLResponse)?.statusCode ?? 0, String(decoding: data, as: UTF8.self))
    }

    @Test("Configured by YAML and SALIENCE_ variables: serves /metrics and /readyz, logs JSON lines, exits 0 on SIGTERM")
    func configuredRun() async throws {
        let harness = try PipelineHarness(partitions: 4, brokers: 1)
        let input = PipelineHarness.synthetic(1500, seed: 11)
        try harness.produce(input)
        let group = "cli-\(UUID().uuidString.prefix(8))"
        let path = try Self.writeConfiguration("""
            kafka:
              bootstrap_servers: [\(harness.cluster.bootstrapServers)]
            topics: [events]
            samples_topic: samples
            dead_letter_topic: dead-letters
            checkpoint_topic: checkpoints
            models_topic: models
            session_timeout: 3s
            estimator:
              sketch_epsilon: 0.01
              logq_bucket_bits: 12
              features: {bits: 15}
            http: {port: 0}
            log: {format: json}
            """)
        let process = try SalienceProcess(arguments: ["run", "--config", path], name: group, environment: ["SALIENCE_GROUP": group])

        var address: String?
        let deadline = ContinuousClock.now + .seconds(90)
        while address == nil, ContinuousClock.now < deadline, process.process.isRunning {
            address = process.output.split(separator: "\n").lazy
                .compactMap { try? JSONSerialization.jsonObject(with: Data($0.utf8)) as? [String: String] }
                .first { $0["message"] == "serving metrics and health" }?["salience.http.address"]
            try await Task.sleep(for: .milliseconds(100))
        }
        let endpoint = try #require(address, "no address logged: \(process.output)")
        var samples = 0.0
        var ready = 0
        while ContinuousClock.now < deadline {
            let metrics = try await Self.get(endpoint + "/metrics").body
            samples = metrics.split(separator: "\n").first { $0.hasPrefix("salience_samples_total ") }
                .flatMap { Double($0.split(separator: " ")[1]) } ?? 0
            ready = try await Self.get(endpoint + "/readyz").status
            if samples == Double(input.count), ready == 200 { break }
            try await Task.sleep(for: .milliseconds(200))
        }
        #expect(samples == Double(input.count))
        #expect(ready == 200)
        #expect(try await Self.get(endpoint + "/healthz").status == 200)
        #expect(process.terminate() == 0)

        let lines = process.output.split(separator: "\n")
        let records = lines.compactMap { try? JSONSerialization.jsonObject(with: Data($0.utf8)) as? [String: String] }
        #expect(records.count == lines.count, "every log line is a JSON object")
        #expect(records.contains { $0["message"] == "pipeline started" && $0["salience.group"] == group })
        #expect(records.contains { $0["message"] == "pipeline stopped" })
    }

    @Test("A bad configuration fails at start-up naming every problem, never showing a secret")
    func refusedConfiguration() throws {
        let secret = "s3cret-\(UUID().uuidString.prefix(6))"
        let path = try Self.writeConfiguration("""
            kafka:
              sasl.password: \(secret)
            estimator:
              features:
                bitz: 22
            delivery: sometimes
            """)
        let process = try SalienceProcess(
            arguments: ["run", "--config", path], name: "refused", environment: ["SALIENCE_HTTP_PORT": "99999"]
        )
        process.process.waitUntilExit()
        #expect(process.process.terminationStatus != 0)
        let output = process.output
        #expect(output.contains("estimator.features.bitz: unknown key; did you mean 'estimator.features.bits'?"), "\(output)")
        #expect(output.contains("delivery: got sometimes, expected one of exactly_once, transactional, at_least_once"))
        #expect(output.contains("env SALIENCE_HTTP_PORT: http.port: got 99999, expected an integer in 0...65535"))
        #expect(!output.contains(secret))
    }
}
