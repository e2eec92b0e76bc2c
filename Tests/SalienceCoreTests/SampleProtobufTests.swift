import SalienceCore
import SalienceTestSupport
import Testing

@Suite(.ownThreads) struct SampleProtobufTests {
    @Test func samplesEncodeWithTheProtoFieldNumbers() throws {
        var estimator = ImportanceEstimator(configuration: smallConfiguration())
        for (offset, event) in syntheticEvents(200).enumerated() {
            let sample = estimator.process(event, source: SourcePosition(topic: "events", partition: 2, offset: Int64(offset))).sample
            var reader = ProtobufWireReader(bytes: sample.protobufBytes)
            let fields = try reader.fields()
            #expect(fields[1] == .bytes(Array(sample.eventID.utf8)))
            #expect(fields[2] == .bytes(Array(sample.userID.utf8)))
            #expect(fields[4] == (sample.type.rawValue == 0 ? nil : .varint(UInt64(sample.type.rawValue))))
            #expect(fields[5] == .varint(UInt64(sample.timestamp)))
            #expect(fields[6] == (sample.label == 0 ? nil : .varint(1)))
            #expect(fields[7]?.double == sample.weight)
            #expect(fields[8]?.message?[1]?.double == sample.components.objective)
            #expect(fields[8]?.message?[4]?.double == sample.components.classBalance)
            #expect(fields[9]?.message?[2]?.double == sample.components.keepProbability)
            #expect(fields[11]?.double == sample.modelScore)
            #expect(fields[12]?.message?[1] == .bytes(Array("events".utf8)))
            #expect(fields[12]?.message?[2] == .varint(2))

            var delimited = ProtobufWireReader(bytes: sample.lengthDelimitedProtobuf)
            #expect(try delimited.delimitedMessage() == sample.protobufBytes)
            #expect(delimited.atEnd)
        }
    }

    /// Origin (13), resolution (14) and negative draw (15) of the label policies' samples.
    @Test func labelledSamplesEncodeTheirOriginResolutionAndDraw() throws {
        let duplicate = try #require(LabelledSampleJSONTests.samples(.fakeNegative, negatives: 0).first { $0.origin == .convertedDuplicate })
        var reader = ProtobufWireReader(bytes: duplicate.protobufBytes)
        let fields = try reader.fields()
        #expect(fields[13] == .varint(3), "CONVERTED_DUPLICATE")
        let resolution = try #require(fields[14]?.message)
        #expect(resolution[1] == .varint(UInt64(try #require(duplicate.resolution?.conversionTimestamp))))
        #expect(resolution[4]?.double == duplicate.resolution?.conversionScore)
        #expect(resolution[5]?.double == duplicate.components.delayedFeedback)
        #expect(fields[15] == nil)

        let negative = try #require(LabelledSampleJSONTests.samples(.attribution, negatives: 1).first { $0.origin == .sampledNegative })
        reader = ProtobufWireReader(bytes: negative.protobufBytes)
        let negativeFields = try reader.fields()
        #expect(negativeFields[13] == .varint(4), "SAMPLED_NEGATIVE")
        #expect(negativeFields[14] == nil)
        let draw = try #require(negativeFields[15]?.message)
        #expect(draw[1] == nil, "index 0 is the proto3 default")
        #expect(draw[2] == .bytes(Array(try #require(negative.negative?.positiveEventID).utf8)))
        #expect(draw[3]?.double == negative.negative?.logQ)
    }

    /// The reader refuses cut-off and foreign input instead of reading past it.
    @Test func theWireReaderRefusesTruncatedAndMalformedInput() throws {
        var estimator = ImportanceEstimator(configuration: smallConfiguration())
        let bytes = estimator.process(syntheticEvents(1)[0]).sample.lengthDelimitedProtobuf
        for cut in [1, bytes.count / 2, bytes.count - 1] {
            var reader = ProtobufWireReader(bytes: Array(bytes.prefix(cut)))
            #expect(throws: ProtobufWireReader.Malformed.self, "cut at \(cut)") {
                var message = ProtobufWireReader(bytes: try reader.delimitedMessage())
                _ = try message.fields()
            }
        }
        var text = ProtobufWireReader(bytes: Array(#"{"user_id":"u1"}"#.utf8))
        #expect(throws: ProtobufWireReader.Malformed.self) { _ = try text.fields() }
        var endless = ProtobufWireReader(bytes: [UInt8](repeating: 0xFF, count: 12))
        #expect(throws: ProtobufWireReader.Malformed.self) { _ = try endless.varint() }
    }
}
