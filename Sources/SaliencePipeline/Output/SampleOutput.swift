import SalienceCore
import SalienceKafka

/// Produces one engine thread's outputs: each sample into the input's
/// co-partition of the samples topic, encoded in the configured format, and
/// each refused message, untouched, into the dead-letter topic with its
/// reason. Key, headers and the JSON value are built in reused buffers
/// (librdkafka copies the bytes), so a sample costs no allocation here.
struct SampleOutput {
    private let samplesTopic: String
    private let deadLetterTopic: String
    private let producer: any RecordSink
    private let deliveries: DeliveryAccounting
    private let sampleDeliveries: SampleDeliveries
    private var encoder: any SampleEncoder
    /// The `salience.sample.format` header, made once.
    private let formatHeader: KafkaHeader
    private var key: [UInt8] = []
    private var headers: [KafkaHeader] = []
    private var offsetDigits: [UInt8] = []
    private var indexDigits: [UInt8] = []

    init(configuration: PipelineConfiguration, producer: any RecordSink, deliveries: DeliveryAccounting) {
        samplesTopic = configuration.samplesTopic
        deadLetterTopic = configuration.deadLetterTopic
        self.producer = producer
        self.deliveries = deliveries
        sampleDeliveries = SampleDeliveries(deliveries)
        encoder = configuration.sampleFormat.makeEncoder()
        formatHeader = KafkaHeader(key: SalienceHeader.sampleFormat, string: configuration.sampleFormat.headerValue)
    }

    /// Sends `sample`, the `index`-th released by `message`; its delivery
    /// report counts it (and its latency from the message's timestamp).
    mutating func send(_ sample: WeightedSample, index: Int, from message: KafkaMessageBatch.Message, of task: PartitionTask) throws {
        // Emptied first: the digit buffers are then referenced only here and are rewritten in place.
        headers.removeAll(keepingCapacity: true)
        headers.append(contentsOf: task.sourcePartitionHeaders)
        offsetDigits.removeAll(keepingCapacity: true)
        DecimalText.append(message.offset, to: &offsetDigits)
        headers.append(KafkaHeader(key: SalienceHeader.sourceOffset, value: offsetDigits))
        if index > 0 {
            indexDigits.removeAll(keepingCapacity: true)
            DecimalText.append(Int64(index), to: &indexDigits)
            headers.append(KafkaHeader(key: SalienceHeader.sourceIndex, value: indexDigits))
        }
        headers.append(formatHeader)
        key.removeAll(keepingCapacity: true)
        key.append(contentsOf: sample.userID.utf8)
        let output = KafkaProducerMessage(
            topic: samplesTopic, partition: message.partition, key: key, value: encoder.encode(sample), headers: headers
        )
        try producer.send(output, tag: message.timestamp?.milliseconds ?? SampleDeliveries.noTimestamp, reportingTo: sampleDeliveries)
    }

    /// Sends `message` of `batch` as it came to the dead-letter topic, with
    /// the reason and detail of `error` and its source position in headers.
    func sendDeadLetter(_ message: KafkaMessageBatch.Message, in batch: KafkaMessageBatch, _ error: EventDecodingError, of task: PartitionTask) throws {
        let output = KafkaProducerMessage(
            topic: deadLetterTopic,
            partition: message.partition,
            key: batch.key(of: message).map(Array.init),
            value: Array(batch.value(of: message)),
            headers: task.sourcePartitionHeaders + [
                SalienceHeader.sourceOffset(message.offset),
                KafkaHeader(key: SalienceHeader.reason, string: error.reason.rawValue),
                KafkaHeader(key: SalienceHeader.detail, string: String(error.detail.prefix(1024))),
            ]
        )
        let reason = error.reason.rawValue
        let metrics = deliveries.metrics
        try producer.send(output, onDelivery: deliveries.handler {
            metrics.recordDeadLetter(reason: reason)
            $0.deadLetters += 1
            $0.deadLettersByReason[reason, default: 0] += 1
        })
    }
}
