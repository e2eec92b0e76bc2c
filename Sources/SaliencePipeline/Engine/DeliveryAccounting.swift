import SalienceKafka
import Synchronization

/// Where delivery reports are counted: successes in the statistics, and the
/// first failure, which stops the engine loop.
final class DeliveryAccounting: Sendable {
    let statistics: PipelineStatistics
    let metrics: PipelineMetrics
    private let first = Mutex<KafkaError?>(nil)

    init(statistics: PipelineStatistics, metrics: PipelineMetrics) {
        self.statistics = statistics
        self.metrics = metrics
    }

    /// The first delivery that failed for good, if any.
    var firstFailure: KafkaError? { first.withLock { $0 } }

    /// Counts a failed delivery and keeps it if it is the first.
    func failed(_ error: KafkaError) {
        metrics.recordProducerError(error)
        statistics.update { $0.deliveryFailures += 1 }
        first.withLock { if $0 == nil { $0 = error } }
    }

    /// A report handler counting a success with `onSuccess`.
    func handler(
        _ onSuccess: @escaping @Sendable (inout PipelineStatistics.Snapshot) -> Void
    ) -> @Sendable (KafkaProducer.DeliveryResult) -> Void {
        { [self] result in
            switch result {
            case .success: statistics.update(onSuccess)
            case .failure(let error): failed(error)
            }
        }
    }
}

/// The delivery report of one sample: counts it, with its latency from the
/// input message's timestamp. One object per sample, where a closure would
/// take three allocations.
final class SampleDeliveryReport: KafkaDeliveryHandler, @unchecked Sendable {
    private let accounting: DeliveryAccounting
    private let inputMilliseconds: Int64?

    init(_ accounting: DeliveryAccounting, inputMilliseconds: Int64?) {
        self.accounting = accounting
        self.inputMilliseconds = inputMilliseconds
    }

    override func delivered(_ result: KafkaProducer.DeliveryResult) {
        switch result {
        case .success:
            accounting.statistics.update { $0.samplesOut += 1 }
            accounting.metrics.recordSampleDelivered(inputTimestampMilliseconds: inputMilliseconds)
        case .failure(let error):
            accounting.failed(error)
        }
    }
}
