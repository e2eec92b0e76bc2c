import SalienceCore
import SalienceTestSupport
import Testing

@Suite(.ownThreads) struct SampleEventIDTests {
    static let positions = [
        SourcePosition(topic: "events", partition: 0, offset: 0),
        SourcePosition(topic: "behaviour-events", partition: 12, offset: 1_234_567),
        SourcePosition(topic: "t", partition: .max, offset: .max),
        SourcePosition(topic: "tópico.ü", partition: .min, offset: .min),
        SourcePosition(topic: String(repeating: "x", count: 249), partition: 7, offset: 99),
    ]

    @Test(arguments: positions)
    func aDerivedIdIsSpelledAsTopicPartitionOffset(position: SourcePosition) {
        let derived = SampleEventID(position: position)
        let spelled = "\(position.topic)/\(position.partition)/\(position.offset)"
        #expect(derived.text == spelled)
        #expect(position.derivedEventID == spelled)
        #expect(derived.withUTF8 { Array($0) } == Array(spelled.utf8))
        #expect(derived == SampleEventID(spelled))
        #expect(derived.hashValue == SampleEventID(spelled).hashValue)
        #expect(derived != SampleEventID(spelled + "0"))
    }

    @Test func theKeepDecisionOfADerivedIdIsThatOfItsText() {
        var kept = 0
        for offset in Int64(0)..<2000 {
            let position = SourcePosition(topic: "events", partition: 3, offset: offset)
            let derived = ImportanceEstimator.keeps(eventID: SampleEventID(position: position), probability: 0.3, seed: 7)
            #expect(derived == ImportanceEstimator.keeps(eventID: "events/3/\(offset)", probability: 0.3, seed: 7))
            if derived { kept += 1 }
        }
        #expect((450...750).contains(kept), "about 30 % kept, got \(kept) of 2000")
    }

    @Test func samplesWithADerivedIdEncodeAsWithItsText() {
        var estimator = ImportanceEstimator(configuration: smallConfiguration())
        for (offset, event) in syntheticEvents(20).enumerated() {
            var unnamed = event
            unnamed.eventID = nil
            let derived = estimator.process(unnamed, source: SourcePosition(topic: "events", partition: 1, offset: Int64(offset))).sample
            var spelled = derived
            spelled.eventID = "events/1/\(offset)"
            #expect(derived == spelled)
            #expect(derived.jsonBytes == spelled.jsonBytes)
            #expect(derived.protobufBytes == spelled.protobufBytes)
        }
    }

    @Test(arguments: [Int64.min, -1, 0, 9, 10, 99, 100, 1_000_000_007, .max])
    func decimalTextWritesWhatStringSpells(value: Int64) {
        let written = withUnsafeTemporaryAllocation(byteCount: DecimalText.maximumLength + 3, alignment: 1) { buffer in
            let end = DecimalText.write(value, into: buffer, at: 3)
            return Array(UnsafeRawBufferPointer(rebasing: buffer[3..<end]))
        }
        #expect(written == Array(String(value).utf8))
        #expect(DecimalText.bytes(value) == Array(String(value).utf8))
    }
}
