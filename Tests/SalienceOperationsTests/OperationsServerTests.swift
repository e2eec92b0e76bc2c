import CoreMetrics
import Logging
import Prometheus
import SalienceOperations
@testable import SaliencePipeline
import SalienceTestSupport
import Synchronization
import Testing

@Suite("Operations endpoint", .ownThreads)
struct OperationsServerTests {
    @Test("Serves Prometheus text on /metrics, probe results on /healthz and /readyz, 404 elsewhere; closes on shutdown")
    func endpoints() async throws {
        let registry = PrometheusCollectorRegistry()
        let factory = PrometheusMetricsFactory.salience(registry: registry)
        Counter(label: "salience_test_total", dimensions: [("kind", "a")], factory: factory).increment(by: 3)
        let weights = WeightHistograms()
        var tally = WeightTally()
        tally.add(0.7, component: 1)
        weights.add(tally)
        let ready = Atomic<Bool>(false)
        let probes = HealthProbes(
            liveness: { ProbeResult(passed: true, detail: "running") },
            readiness: { ready.load(ordering: .relaxed) ? ProbeResult(passed: true, detail: "caught up") : ProbeResult(passed: false, detail: "lag 12") }
        )
        let server = try await OperationsServer.start(
            configuration: OperationsConfiguration(port: 0), registry: registry, weights: weights, probes: probes, logger: Logger(label: "test")
        )
        #expect(server.port > 0)
        let serving = Task { try await server.run() }

        let metrics = try await httpGet(port: server.port, path: "/metrics")
        #expect(metrics.status == 200)
        #expect(metricValue(metrics.body, #"salience_test_total{kind="a"}"#) == 3)
        // The weight histograms use Salience's buckets: 0.7 falls in le="1" and above, not le="0.5".
        #expect(metrics.body.contains("# TYPE salience_weight histogram\n"))
        #expect(metricValue(metrics.body, #"salience_weight_bucket{component="objective",le="0.5"}"#) == 0)
        #expect(metricValue(metrics.body, #"salience_weight_bucket{component="objective",le="1.0"}"#) == 1)
        #expect(metricValue(metrics.body, #"salience_weight_bucket{component="objective",le="+Inf"}"#) == 1)
        #expect(metricValue(metrics.body, #"salience_weight_sum{component="objective"}"#) == 0.7)
        #expect(metricValue(metrics.body, #"salience_weight_count{component="objective"}"#) == 1)

        #expect(try await httpGet(port: server.port, path: "/healthz") == (200, "ok: running\n"))
        #expect(try await httpGet(port: server.port, path: "/readyz") == (503, "fail: lag 12\n"))
        ready.store(true, ordering: .relaxed)
        #expect(try await httpGet(port: server.port, path: "/readyz") == (200, "ok: caught up\n"))
        #expect(try await httpGet(port: server.port, path: "/nothing").status == 404)

        serving.cancel()
        try await serving.value
        await #expect(throws: (any Error).self) { _ = try await httpGet(port: server.port, path: "/healthz") }
    }

    @Test("A taken port fails start-up")
    func portTaken() async throws {
        let registry = PrometheusCollectorRegistry()
        let probes = HealthProbes(liveness: { ProbeResult(passed: true, detail: "") }, readiness: { ProbeResult(passed: true, detail: "") })
        let first = try await OperationsServer.start(configuration: OperationsConfiguration(port: 0), registry: registry, probes: probes, logger: Logger(label: "test"))
        await #expect(throws: (any Error).self) {
            _ = try await OperationsServer.start(configuration: OperationsConfiguration(port: first.port), registry: registry, probes: probes, logger: Logger(label: "test"))
        }
        let serving = Task { try await first.run() }
        serving.cancel()
        try await serving.value
    }
}
