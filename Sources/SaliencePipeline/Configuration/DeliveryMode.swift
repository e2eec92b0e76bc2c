/// How outputs and input offsets are made consistent (DESIGN.md, "Checkpoints and delivery").
public enum DeliveryMode: String, Sendable, CaseIterable, Hashable {
    /// Exactly-once on any broker: co-partitioned output, idempotent producer,
    /// the source offset in every sample, and on (re)assignment re-processing
    /// from the checkpoint with output suppressed up to the last sample written.
    case exactlyOnce = "exactly_once"
    /// Kafka transactions: outputs, checkpoints and input offsets of an
    /// interval commit together.
    case transactional
    /// Input offsets committed only after every output before them is acknowledged.
    case atLeastOnce = "at_least_once"
}
