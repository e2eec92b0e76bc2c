import Logging
import SalienceKafka

/// The partition counts of the pipeline's output topics, checked once at
/// start-up against the input: outputs are co-partitioned with the input
/// (partition p → partition p), so each needs at least as many partitions.
struct TopicLayout: Sendable {
    /// Partitions of each output topic (samples, dead letters, checkpoints, models).
    let partitions: [String: Int32]

    /// Partitions of `topic`, one of the output topics.
    subscript(_ topic: String) -> Int32 { partitions[topic]! }

    /// Reads the layout from the cluster.
    ///
    /// - Throws: ``PipelineError`` (`topicLayout`) naming a missing topic or
    ///   an output with fewer partitions than an input.
    static func check(_ configuration: PipelineConfiguration, logger: Logger) throws -> TopicLayout {
        let admin = try KafkaAdmin(configuration: configuration.kafka, logger: logger)
        let topics = try admin.listTopics(timeout: .seconds(15))
        func partitions(_ name: String) -> Int32? {
            topics.first { $0.name == name }.map { Int32($0.partitions.count) }
        }
        var counts: [String: Int32] = [:]
        for output in configuration.outputTopics {
            guard let count = partitions(output) else {
                throw PipelineError(.topicLayout, "output topic '\(output)' does not exist; create it before starting (`salience topics` creates what the configuration needs; the embedded `salience broker` creates the default ones; see docs/configuration.md, Topics)")
            }
            counts[output] = count
        }
        var all = counts
        for input in configuration.inputTopics {
            guard let count = partitions(input) else {
                throw PipelineError(.topicLayout, "input topic '\(input)' does not exist")
            }
            all[input] = count
        }
        if let narrow = configuration.narrowOutputs(all).first { throw PipelineError(.topicLayout, narrow) }
        return TopicLayout(partitions: counts)
    }
}
