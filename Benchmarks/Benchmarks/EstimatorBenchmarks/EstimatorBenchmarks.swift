import Benchmark
import SalienceCore
import SalienceDatasets

/// All components on, 8 hashed fields and 2 crosses, on pre-decoded events.
func fullConfiguration() -> EstimatorConfiguration {
    var configuration = EstimatorConfiguration()
    configuration.features.fields = [.user, .item, .category, .behavior, .hour, .weekday, .priceBucket, .session]
    configuration.features.crosses = [FeatureCross(.user, .category), FeatureCross(.item, .hour)]
    configuration.samplingEnabled = true
    return configuration
}

let stream = Array(SyntheticEventStream().prefix(200_000))
/// The same events without ids, made once (not in the measured closure, which runs again per sample).
let unnamed = stream.map { event in
    var event = event
    event.eventID = nil
    return event
}

let benchmarks: @Sendable () -> Void = {
    Benchmark.defaultConfiguration = .init(
        metrics: [.throughput, .wallClock, .mallocCountTotal, .instructions, .peakMemoryResident],
        scalingFactor: .kilo,
        maxDuration: .seconds(5)
    )

    Benchmark("Estimator/process (8 fields + 2 crosses, all components)") { benchmark in
        var estimator = ImportanceEstimator(configuration: fullConfiguration())
        // Warm up so the measured events are steady state.
        for event in stream.prefix(50_000) { blackHole(estimator.process(event)) }
        benchmark.startMeasurement()
        for index in benchmark.scaledIterations {
            blackHole(estimator.process(stream[50_000 + index % 150_000]))
        }
    }

    Benchmark("Estimator/process, events without ids (id from the input position)") { benchmark in
        var estimator = ImportanceEstimator(configuration: fullConfiguration())
        // A topic long enough that `topic/partition/offset` would be a heap string.
        let topic = "behaviour-events"
        for (offset, event) in unnamed.prefix(50_000).enumerated() {
            blackHole(estimator.process(event, source: SourcePosition(topic: topic, partition: 3, offset: Int64(offset))))
        }
        benchmark.startMeasurement()
        for index in benchmark.scaledIterations {
            let source = SourcePosition(topic: topic, partition: 3, offset: Int64(50_000 + index))
            blackHole(estimator.process(unnamed[50_000 + index % 150_000], source: source))
        }
    }

    Benchmark("Estimator/encode state (default configuration)", configuration: .init(scalingFactor: .one)) { benchmark in
        var estimator = ImportanceEstimator(configuration: fullConfiguration())
        for event in stream.prefix(10_000) { blackHole(estimator.process(event)) }
        benchmark.startMeasurement()
        for _ in benchmark.scaledIterations {
            blackHole(estimator.encodedState())
        }
    }
}
