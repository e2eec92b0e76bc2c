import SalienceCore
import Testing

/// A minimal protobuf wire reader written from the specification, to check the
/// encoder against the field numbers of Schemas/weighted_sample.proto.
struct WireReader {
    enum Value: Equatable {
        case varint(UInt64)
        case fixed64(UInt64)
        case bytes([UInt8])
    }

    var bytes: [UInt8]
    var index = 0

    mutating func varint() -> UInt64 {
        var result: UInt64 = 0
        var shift: UInt64 = 0
        while true {
            let byte = bytes[index]
            index += 1
            result |= UInt64(byte & 0x7F) << shift
            if byte < 0x80 { return result }
            shift += 7
        }
    }

    mutating func fields() -> [Int: Value] {
        var fields: [Int: Value] = [:]
        while index < bytes.count {
            let key = varint()
            switch key & 7 {
            case 0: fields[Int(key >> 3)] = .varint(varint())
            case 1:
                let value = (0..<8).reduce(UInt64(0)) { $0 | UInt64(bytes[index + $1]) << (8 * UInt64($1)) }
                index += 8
                fields[Int(key >> 3)] = .fixed64(value)
            case 2:
                let length = Int(varint())
                fields[Int(key >> 3)] = .bytes(Array(bytes[index..<index + length]))
                index += length
            default: Issue.record("unexpected wire type \(key & 7)")
            }
        }
        return fields
    }
}

@Suite struct SampleProtobufTests {
    @Test func samplesEncodeWithTheProtoFieldNumbers() {
        var estimator = ImportanceEstimator(configuration: smallConfiguration())
        for (offset, event) in syntheticEvents(200).enumerated() {
            let sample = estimator.process(event, source: SourcePosition(topic: "events", partition: 2, offset: Int64(offset))).sample
            var reader = WireReader(bytes: sample.protobufBytes)
            let fields = reader.fields()
            func double(_ value: WireReader.Value?) -> Double? {
                if case .fixed64(let bits) = value { return Double(bitPattern: bits) } else { return nil }
            }
            func message(_ value: WireReader.Value?) -> [Int: WireReader.Value] {
                guard case .bytes(let bytes) = value else { return [:] }
                var inner = WireReader(bytes: bytes)
                return inner.fields()
            }
            #expect(fields[1] == .bytes(Array(sample.eventID.utf8)))
            #expect(fields[2] == .bytes(Array(sample.userID.utf8)))
            #expect(fields[4] == (sample.type.rawValue == 0 ? nil : .varint(UInt64(sample.type.rawValue))))
            #expect(fields[5] == .varint(UInt64(sample.timestamp)))
            #expect(fields[6] == (sample.label == 0 ? nil : .varint(1)))
            #expect(double(fields[7]) == sample.weight)
            #expect(double(message(fields[8])[1]) == sample.components.objective)
            #expect(double(message(fields[8])[4]) == sample.components.classBalance)
            #expect(double(message(fields[9])[2]) == sample.components.keepProbability)
            #expect(double(fields[11]) == sample.modelScore)
            #expect(message(fields[12])[1] == .bytes(Array("events".utf8)))
            #expect(message(fields[12])[2] == .varint(2))

            var delimited = WireReader(bytes: sample.lengthDelimitedProtobuf)
            #expect(Int(delimited.varint()) == sample.protobufBytes.count)
        }
    }

    /// Origin (13), resolution (14) and negative draw (15) of the label policies' samples.
    @Test func labelledSamplesEncodeTheirOriginResolutionAndDraw() throws {
        func message(_ value: WireReader.Value?) -> [Int: WireReader.Value] {
            guard case .bytes(let bytes) = value else { return [:] }
            var inner = WireReader(bytes: bytes)
            return inner.fields()
        }
        func double(_ value: WireReader.Value?) -> Double? {
            if case .fixed64(let bits) = value { return Double(bitPattern: bits) } else { return nil }
        }
        let duplicate = try #require(LabelledSampleJSONTests.samples(.fakeNegative, negatives: 0).first { $0.origin == .convertedDuplicate })
        var reader = WireReader(bytes: duplicate.protobufBytes)
        let fields = reader.fields()
        #expect(fields[13] == .varint(3), "CONVERTED_DUPLICATE")
        let resolution = message(fields[14])
        #expect(resolution[1] == .varint(UInt64(try #require(duplicate.resolution?.conversionTimestamp))))
        #expect(double(resolution[4]) == duplicate.resolution?.conversionScore)
        #expect(double(resolution[5]) == duplicate.components.delayedFeedback)
        #expect(fields[15] == nil)

        let negative = try #require(LabelledSampleJSONTests.samples(.attribution, negatives: 1).first { $0.origin == .sampledNegative })
        reader = WireReader(bytes: negative.protobufBytes)
        let negativeFields = reader.fields()
        #expect(negativeFields[13] == .varint(4), "SAMPLED_NEGATIVE")
        #expect(negativeFields[14] == nil)
        let draw = message(negativeFields[15])
        #expect(draw[1] == nil, "index 0 is the proto3 default")
        #expect(draw[2] == .bytes(Array(try #require(negative.negative?.positiveEventID).utf8)))
        #expect(double(draw[3]) == negative.negative?.logQ)
    }
}
