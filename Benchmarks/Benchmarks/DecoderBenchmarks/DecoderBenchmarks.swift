import Benchmark
import SalienceCore
import SalienceDatasets

/// Salience's decoder on canonical events: throughput and allocations per
/// event. The ratio against Foundation's JSONDecoder on the same events is
/// measured by `salience bench --suite core`, in one run.
let events: [[UInt8]] = SyntheticEventStream().prefix(10_000).map(\.jsonBytes)

let benchmarks: @Sendable () -> Void = {
    Benchmark.defaultConfiguration = .init(
        metrics: [.throughput, .wallClock, .mallocCountTotal, .instructions],
        scalingFactor: .kilo,
        maxDuration: .seconds(5)
    )

    Benchmark("Decode/Salience EventDecoder") { benchmark in
        let decoder = EventDecoder()
        for index in benchmark.scaledIterations {
            blackHole(try? decoder.decode(events[index % events.count]))
        }
    }

    // As `salience run` decodes: into one event whose string buffers are reused.
    Benchmark("Decode/Salience EventDecoder into a reused event") { benchmark in
        let decoder = EventDecoder()
        var event = BehaviorEvent.placeholder
        for index in benchmark.scaledIterations {
            try? decoder.decode(events[index % events.count], into: &event)
            blackHole(event.timestamp)
        }
    }
}
