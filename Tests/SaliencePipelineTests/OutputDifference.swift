import Testing
import SaliencePipeline

/// How a partition's written output differs from the expected one, for a
/// failure message: lengths, the first differing position, and whether the
/// rest matches with one record duplicated, missing, or changed.
struct OutputDifference: CustomStringConvertible {
    let written: [[UInt8]]
    let expected: [[UInt8]]

    var description: String {
        let common = min(written.count, expected.count)
        guard let first = (0..<common).first(where: { written[$0] != expected[$0] })
            ?? (written.count == expected.count ? nil : common)
        else { return "identical" }
        let alignment = OutputAlignment(written: written, expected: expected)
        func text(_ records: [[UInt8]]) -> String {
            records.indices.contains(first) ? String(decoding: records[first].prefix(300), as: UTF8.self) : "(end)"
        }
        return "\(written.count) written, \(expected.count) expected; first difference at \(first): \(alignment)\n"
            + "written:  \(text(written))\nexpected: \(text(expected))"
    }
}

/// The written records walked against the expected ones: each written record
/// is the next expected one, a repeat of an earlier one, a later one (the
/// expected records skipped over are absent), or one that is not expected at
/// all. Records are distinct (each carries its event id).
struct OutputAlignment: CustomStringConvertible {
    private(set) var repeats = 0
    private(set) var absent = 0
    private(set) var foreign = 0
    /// Written records that are expected ones but come before records they should follow.
    private(set) var outOfOrder = 0

    init(written: [[UInt8]], expected: [[UInt8]]) {
        let position = Dictionary(expected.enumerated().map { ($0.element, $0.offset) }, uniquingKeysWith: { first, _ in first })
        var next = 0
        var seen = Set<Int>()
        for record in written {
            guard let index = position[record] else {
                foreign += 1
                continue
            }
            if seen.contains(index) {
                repeats += 1
            } else if index < next {
                outOfOrder += 1
            } else {
                absent += index - next
                next = index + 1
            }
            seen.insert(index)
        }
        absent += expected.count - next
        absent -= outOfOrder
    }

    /// Whether the written records are the expected ones, in order, except for
    /// whole records written twice: what a broker that appends a retried
    /// batch again leaves behind.
    var onlyRepeats: Bool { foreign == 0 && outOfOrder == 0 && absent == 0 }

    var description: String {
        "\(repeats) records repeat an earlier one, \(absent) expected ones are absent, \(foreign) are not expected at all, \(outOfOrder) are out of order"
    }
}

/// Expects the samples topic to equal the reference, partition by partition,
/// for a run whose every sample was handed to the producer once and
/// acknowledged once (`samplesOut` equal to the reference's count, no
/// delivery failure — the test checks that itself).
///
/// A difference the pipeline could have made — a record that is not the
/// reference's (a wrong weight), a record missing, or records out of order —
/// fails the test. Whole records written twice despite one acknowledgement
/// each are the embedded broker's: it checks an idempotent producer's
/// sequence numbers only for transactional producers, so a batch the client
/// sends again after a transport error, which the broker had written, is
/// appended again (a real broker answers DUPLICATE_SEQUENCE_NUMBER). Those
/// are recorded as a known, intermittent issue, with what happened.
///
/// The same gap in the broker once made acknowledged records vanish: with
/// several requests in flight, a batch failed by an injected error while the
/// next batch of its partition, which a real broker refuses as
/// OUT_OF_ORDER_SEQUENCE_NUMBER, was written, and librdkafka then acknowledged
/// the failed batch implicitly ("3 message(s) implicitly acked by subsequent
/// batch success", its IMPLICITACK debug line; docs/brokers.md). Tests that
/// inject produce errors therefore send one request at a time
/// (``withOneProduceRequestInFlight(_:)``), and an absence fails.
func expectSamples(_ written: [Int32: [[UInt8]]], equal expected: [Int32: [[UInt8]]], partitions: Int32) {
    for partition in 0..<partitions {
        let written = written[partition] ?? [], expected = expected[partition] ?? []
        guard written != expected else { continue }
        let difference = OutputDifference(written: written, expected: expected)
        if OutputAlignment(written: written, expected: expected).onlyRepeats {
            withKnownIssue("the embedded broker appended a retried batch again (it deduplicates only transactional producers)", isIntermittent: true) {
                Issue.record("partition \(partition): \(difference)")
            }
        } else {
            Issue.record("partition \(partition): \(difference)")
        }
    }
}

/// `configuration` with one produce request in flight per connection: for
/// runs with produce errors injected into the embedded broker, where several
/// in flight let librdkafka acknowledge a batch the broker never wrote (see
/// ``expectSamples(_:equal:partitions:)``); a real broker refuses the batch
/// that would have allowed it.
func withOneProduceRequestInFlight(_ configuration: PipelineConfiguration) -> PipelineConfiguration {
    var configuration = configuration
    configuration.kafka.properties["max.in.flight.requests.per.connection"] = "1"
    return configuration
}
