import Foundation
import Logging
import ServiceLifecycle

/// Runs a ``PipelineEngine`` on a thread of its own (its librdkafka calls
/// block) as a service: graceful shutdown or cancellation asks it to drain,
/// checkpoint, commit and leave the group; `run()` returns when it has.
public final class PipelineService: Service, Sendable {
    public let engine: PipelineEngine

    public init(engine: PipelineEngine) {
        self.engine = engine
    }

    public func run() async throws {
        let engine = self.engine
        try await withTaskCancellationHandler {
            try await withGracefulShutdownHandler {
                try await withCheckedThrowingContinuation { (continuation: CheckedContinuation<Void, any Error>) in
                    let thread = Thread {
                        continuation.resume(with: Result { try engine.run() })
                    }
                    thread.name = "salience.pipeline"
                    thread.start()
                }
            } onGracefulShutdown: {
                engine.requestStop()
            }
        } onCancel: {
            engine.requestStop()
        }
    }
}
