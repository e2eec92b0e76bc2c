import SalienceKafka

/// Where the output stage and the checkpoint writer send records: the
/// engine thread's ``KafkaProducer``, or an in-memory log in tests, so each
/// part is tested without a broker.
protocol RecordSink: Sendable {
    /// Queues `message`; `handler` gets its delivery report with `tag`.
    func send(_ message: KafkaProducerMessage, tag: Int64, reportingTo handler: KafkaDeliveryHandler) throws
    /// Queues `message`; `onDelivery` gets its delivery report.
    func send(_ message: KafkaProducerMessage, onDelivery: @escaping @Sendable (KafkaProducer.DeliveryResult) -> Void) throws
}

extension KafkaProducer: RecordSink {}
