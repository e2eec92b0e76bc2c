import Foundation
import SalienceCore
import SalienceKafka
import SaliencePipeline
import SalienceTestSupport
import Testing

@Suite(.ownThreads, .timeLimit(.minutes(5)))
struct SampleFormatTests {
    /// `output.format: protobuf` writes one `salience.v1.WeightedSample` per
    /// record, byte-identical to the core estimator's encoding of the same
    /// sample, with the format header; `json` (the default) names itself too.
    @Test(arguments: [SampleFormat.protobuf, .json])
    func samplesAreWrittenInTheConfiguredFormatWithItsHeader(_ format: SampleFormat) async throws {
        let harness = try PipelineHarness(partitions: 4, brokers: 1)
        try harness.produce(PipelineHarness.synthetic(600, seed: 21))
        var configuration = harness.configuration()
        configuration.sampleFormat = format
        let statistics = try await harness.run(configuration) { $0.samplesOut >= 600 }
        #expect(statistics.samplesOut == 600)
        let reference = harness.reference(try harness.readAll(harness.events)).samples
        let written = try harness.readAll("samples")
        for partition in 0..<harness.partitions {
            let records = written[partition] ?? []
            let expected = (reference[partition] ?? []).map { format == .protobuf ? $0.protobufBytes : $0.jsonBytes }
            #expect(records.map(\.value) == expected, "partition \(partition)")
            #expect(records.allSatisfy { $0.header(SalienceHeader.sampleFormat) == Array(format.headerValue.utf8) }, "partition \(partition)")
        }
    }
}
