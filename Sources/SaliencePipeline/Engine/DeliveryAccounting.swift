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

/// The delivery reports of an engine thread's samples: counts each, with its
/// latency from the input message's timestamp, which comes as the message's
/// tag (``noTimestamp`` when the input had none). One object serves every
/// sample, so a sample's report costs no allocation.
final class SampleDeliveries: KafkaDeliveryHandler, @unchecked Sendable {
    /// The tag of a sample whose input message had no timestamp.
    static let noTimestamp = Int64.min
    private let accounting: DeliveryAccounting

    init(_ accounting: DeliveryAccounting) {
        self.accounting = accounting
    }

    override func delivered(_ result: KafkaProducer.DeliveryResult, tag: Int64) {
        switch result {
        case .success:
            accounting.statistics.update { $0.samplesOut += 1 }
            accounting.metrics.recordSampleDelivered(inputTimestampMilliseconds: tag == Self.noTimestamp ? nil : tag)
        case .failure(let error):
            accounting.failed(error)
        }
    }
}
