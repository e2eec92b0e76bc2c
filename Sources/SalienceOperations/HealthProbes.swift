import SaliencePipeline

/// The answer of one probe: pass or fail, and a line saying why.
public struct ProbeResult: Sendable, Equatable {
    public var passed: Bool
    public var detail: String

    public init(passed: Bool, detail: String) {
        self.passed = passed
        self.detail = detail
    }
}

/// What `/healthz` (liveness) and `/readyz` (readiness) ask.
public struct HealthProbes: Sendable {
    public var liveness: @Sendable () -> ProbeResult
    public var readiness: @Sendable () -> ProbeResult

    public init(liveness: @escaping @Sendable () -> ProbeResult, readiness: @escaping @Sendable () -> ProbeResult) {
        self.liveness = liveness
        self.readiness = readiness
    }

    /// Probes of a pipeline: alive while it has not failed and its loop
    /// turned within `livenessTimeout`; ready once it holds an assignment
    /// and its lag, summed over its partitions, is at most `readyMaxLag`.
    public static func pipeline(_ health: PipelineHealth, configuration: OperationsConfiguration) -> HealthProbes {
        HealthProbes(
            liveness: {
                let state = health.snapshot
                if let failure = state.failure { return ProbeResult(passed: false, detail: "pipeline failed: \(failure)") }
                if let last = state.lastTurn, ContinuousClock.now - last > configuration.livenessTimeout {
                    return ProbeResult(passed: false, detail: "pipeline loop has not turned for \(ContinuousClock.now - last)")
                }
                return ProbeResult(passed: true, detail: state.running ? "running" : "starting")
            },
            readiness: {
                let state = health.snapshot
                guard state.failure == nil, state.running else { return ProbeResult(passed: false, detail: "pipeline not running") }
                guard state.assigned else { return ProbeResult(passed: false, detail: "waiting for a partition assignment") }
                guard let lag = state.lag else {
                    return ProbeResult(passed: false, detail: "\(state.partitions) partitions assigned; lag not known yet")
                }
                guard lag <= configuration.readyMaxLag else {
                    return ProbeResult(passed: false, detail: "lag \(lag) over \(state.partitions) partitions exceeds \(configuration.readyMaxLag)")
                }
                return ProbeResult(passed: true, detail: "\(state.partitions) partitions assigned, lag \(lag)")
            }
        )
    }
}
