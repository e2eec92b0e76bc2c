import SalienceCore
import SalienceTestSupport
import Testing

@Suite(.ownThreads) struct JSONWriterTests {
    func written(_ write: (inout JSONWriter) -> Void) -> String {
        var writer = JSONWriter()
        writer.beginObject()
        write(&writer)
        writer.endObject()
        return String(decoding: writer.take(), as: UTF8.self)
    }

    /// Numbers are written without making strings; the text must stay what
    /// `description` gives, the form every sample ever written has.
    @Test func doublesAreWrittenAsTheirDescription() {
        var generator = SplitMix64(seed: 2026)
        var values: [Double] = [
            0, -0.0, 1, -1, 0.1, 1e-5, 1e-7, 123456789012345680, 1e16, 1e22, .leastNonzeroMagnitude, .leastNormalMagnitude,
            .greatestFiniteMagnitude, -.greatestFiniteMagnitude, 0.30000000000000004, 2.5e-7, 1 / 3, 100, 1_000_000,
        ]
        for _ in 0..<200_000 {
            let bits = Double(bitPattern: generator.next())
            if bits.isFinite { values.append(bits) }
            values.append(generator.nextUnit() * 10)
            values.append(Double(Int64(bitPattern: generator.next()) >> 20))
            values.append(Double(Int64(bitPattern: generator.next()) >> 32))
            values.append(Double(Int64(bitPattern: generator.next()) >> 60))
        }
        for value in values {
            let text = written { $0.field("x", value) }
            guard text == "{\"x\":\(value.description)}" else {
                Issue.record("\(value.bitPattern): wrote \(text), description is \(value.description)")
                return
            }
        }
        #expect(written { $0.field("x", Double.nan) } == "{\"x\":null}")
        #expect(written { $0.field("x", -Double.infinity) } == "{\"x\":null}")
    }

    @Test func integersAreWrittenInDecimal() {
        var generator = SplitMix64(seed: 7)
        var values: [Int64] = [0, 1, -1, 9, 10, -10, 99, 100, .max, .min, .max - 1, .min + 1]
        for _ in 0..<100_000 { values.append(Int64(bitPattern: generator.next()) >> (generator.next() % 64)) }
        for value in values {
            #expect(written { $0.field("n", value) } == "{\"n\":\(value)}")
        }
    }

    @Test func aReusedWriterStartsClean() {
        var writer = JSONWriter()
        writer.beginObject()
        writer.field("a", 1.5)
        writer.removeAll()
        writer.beginObject()
        writer.field("b", Int64(2))
        writer.field("c", "x\"y")
        writer.endObject()
        #expect(String(decoding: writer.bytes, as: UTF8.self) == #"{"b":2,"c":"x\"y"}"#)
    }
}
