import CRdKafka

/// The librdkafka the process runs on (the loaded library, not the headers built against).
enum RDKafkaVersion {
    /// `rd_kafka_version_str()`, e.g. "2.0.2".
    static var string: String { String(cString: rd_kafka_version_str()) }
}
