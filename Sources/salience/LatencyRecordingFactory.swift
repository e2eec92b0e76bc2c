import CoreMetrics
import Histogram
import Synchronization

/// A metrics backend for `salience bench` that keeps one timer's values in
/// an HDR histogram (1 µs … 10 min, 3 significant digits) and drops every
/// other metric.
final class LatencyRecordingFactory: MetricsFactory, Sendable {
    private let label: String
    private let recorder = LatencyHandler()

    init(recording label: String) {
        self.label = label
    }

    /// The latency at a percentile, in milliseconds.
    func milliseconds(atPercentile percentile: Double) -> Double {
        Double(recorder.histogram.withLock { $0.valueAtPercentile(percentile) }) / 1000
    }

    var count: UInt64 { recorder.histogram.withLock { $0.totalCount } }

    func reset() {
        recorder.histogram.withLock { $0.reset() }
    }

    func makeTimer(label: String, dimensions: [(String, String)]) -> any TimerHandler {
        label == self.label ? recorder : NOOPMetricsHandler.instance
    }

    func makeCounter(label: String, dimensions: [(String, String)]) -> any CounterHandler { NOOPMetricsHandler.instance }
    func makeFloatingPointCounter(label: String, dimensions: [(String, String)]) -> any FloatingPointCounterHandler { NOOPMetricsHandler.instance }
    func makeRecorder(label: String, dimensions: [(String, String)], aggregate: Bool) -> any RecorderHandler { NOOPMetricsHandler.instance }
    func makeMeter(label: String, dimensions: [(String, String)]) -> any MeterHandler { NOOPMetricsHandler.instance }
    func destroyCounter(_ handler: any CounterHandler) {}
    func destroyFloatingPointCounter(_ handler: any FloatingPointCounterHandler) {}
    func destroyRecorder(_ handler: any RecorderHandler) {}
    func destroyMeter(_ handler: any MeterHandler) {}
    func destroyTimer(_ handler: any TimerHandler) {}

    private final class LatencyHandler: TimerHandler, Sendable {
        let histogram = Mutex(Histogram<UInt64>(highestTrackableValue: 600_000_000, numberOfSignificantValueDigits: .three))

        func recordNanoseconds(_ duration: Int64) {
            histogram.withLock { _ = $0.record(UInt64(max(1, duration / 1000))) }
        }
    }
}
