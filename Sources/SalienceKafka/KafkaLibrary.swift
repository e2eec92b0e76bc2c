/// Facts about the Kafka client library under Salience.
public enum KafkaLibrary {
    /// The version of the librdkafka loaded at run time, e.g. "2.0.2" (it can
    /// differ from the one built against, through `LD_LIBRARY_PATH`).
    public static var version: String { RDKafkaVersion.string }
}
