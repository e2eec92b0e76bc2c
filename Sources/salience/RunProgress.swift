import Foundation
import SaliencePipeline

/// `salience run`'s progress line on a terminal, as kcat's statistics: every
/// few seconds events/s, lag, samples and dead letters, on standard error.
enum RunProgress {
    /// Whether standard error is a terminal (a log file or pipe gets no progress lines).
    static var wanted: Bool { isatty(FileHandle.standardError.fileDescriptor) != 0 }

    /// Writes a line every `interval` until cancelled.
    static func report(_ engine: PipelineEngine, every interval: Duration = .seconds(5)) async {
        let clock = ContinuousClock()
        var last = (time: clock.now, events: 0)
        while !Task.isCancelled {
            try? await Task.sleep(for: interval)
            guard !Task.isCancelled else { return }
            let statistics = engine.statistics.snapshot
            let health = engine.health.snapshot
            let now = clock.now
            let rate = Double(statistics.eventsIn - last.events) / max((now - last.time).totalSeconds, 1e-3)
            last = (now, statistics.eventsIn)
            FileHandle.standardError.write(Data(line(statistics: statistics, health: health, rate: rate).utf8))
        }
    }

    /// One progress line.
    static func line(statistics: PipelineStatistics.Snapshot, health: PipelineHealth.Snapshot, rate: Double) -> String {
        String(
            format: "salience run: %d events (%.0f/s), lag %@, %d samples, %d dead letters, %d partitions\n",
            statistics.eventsIn, rate, health.lag.map(String.init) ?? "unknown", statistics.samplesOut, statistics.deadLetters, health.partitions
        )
    }
}
