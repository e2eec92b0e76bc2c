import CRdKafka
import Foundation
import Synchronization

/// A thread that serves a handle's callbacks (delivery reports, logs, errors)
/// by blocking in `rd_kafka_poll`, until stopped.
final class RDKafkaPollLoop: Sendable {
    private final class RunState: Sendable {
        let running = Atomic<Bool>(true)
        let finished = DispatchSemaphore(value: 0)
    }

    private let state = RunState()

    init(client: RDKafkaClient, name: String) {
        let thread = Thread { [state] in
            while state.running.load(ordering: .acquiring) {
                rd_kafka_poll(client.handle, 100)
            }
            state.finished.signal()
        }
        thread.name = name
        thread.start()
    }

    /// Stops the loop and waits for its thread to leave librdkafka. Idempotent.
    func stop() {
        if state.running.exchange(false, ordering: .acquiringAndReleasing) {
            state.finished.wait()
        }
    }
}
