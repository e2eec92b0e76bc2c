import Benchmark
import Foundation
import SalienceCore

/// The same events, encoded once, decoded by Salience's decoder and by
/// Foundation's JSONDecoder into an equivalent Codable struct.
let events: [[UInt8]] = SyntheticEventStream().prefix(10_000).map(\.jsonBytes)

/// What JSONDecoder decodes: the canonical event's fields.
struct CodableEvent: Decodable {
    var user_id: String
    var item_id: String
    var type: String
    var ts: Int64
    var event_id: String?
    var category_id: String?
    var price: Double?
    var session_id: String?
}

let benchmarks: @Sendable () -> Void = {
    Benchmark.defaultConfiguration = .init(
        metrics: [.throughput, .wallClock, .mallocCountTotal, .instructions],
        scalingFactor: .kilo,
        maxDuration: .seconds(5)
    )

    Benchmark("Decode/Salience EventDecoder") { benchmark in
        let decoder = EventDecoder()
        for index in benchmark.scaledIterations {
            let bytes = events[index % events.count]
            blackHole(try? decoder.decode(bytes))
        }
    }

    Benchmark("Decode/Foundation JSONDecoder") { benchmark in
        let decoder = JSONDecoder()
        for index in benchmark.scaledIterations {
            let data = Data(events[index % events.count])
            blackHole(try? decoder.decode(CodableEvent.self, from: data))
        }
    }
}
