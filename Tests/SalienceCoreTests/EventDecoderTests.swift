import Foundation
import SalienceCore
import SalienceTestSupport
import Testing

private let schemasDirectory = URL(fileURLWithPath: #filePath)
    .deletingLastPathComponent().deletingLastPathComponent().deletingLastPathComponent()
    .appendingPathComponent("Schemas")

@Suite(.ownThreads) struct EventDecoderTests {
    let decoder = EventDecoder()

    func decode(_ text: String) throws(EventDecodingError) -> BehaviorEvent {
        try decoder.decode(Array(text.utf8))
    }

    func reason(_ bytes: [UInt8], decoder: EventDecoder = EventDecoder()) -> EventDecodingError.Reason? {
        do {
            _ = try decoder.decode(bytes)
            return nil
        } catch {
            return error.reason
        }
    }

    /// Decoding into one reused event must give exactly what decoding each
    /// message afresh gives: fields absent from a later message are cleared,
    /// long ids (past the 15-byte small strings) and multi-byte characters
    /// across the reuse's 15-byte pieces come out whole, and a refused
    /// message leaves the next decode unaffected.
    @Test func decodingIntoAReusedEventEqualsDecodingAfresh() throws {
        let messages = [
            #"{"user_id":"u1","item_id":"i1","type":"view","ts":1511658000000,"event_id":"0f8fad5b-d9cb-469f-a165-70867728950e","category_id":"c1","price":3.5,"session_id":"s-long-session-identifier-1"}"#,
            #"{"user_id":"u2","item_id":"i2","type":"purchase","ts":1511658000001}"#,
            #"{"user_id":"ééééééééééé","item_id":"日本語日本語日本語日本語","type":"cart","ts":1511658000002,"event_id":"€€€€€€€€€€€€€€€€€€€€€"}"#,
            #"{"user_id":"u4","item_id":"i4","type":"pv","ts":1511658000003,"event_id":"xxüüüüüüüüüüüüüüüüüüüü"}"#,
            #"{"user_id":"u4","item_id":"i4","type":"view","ts":1511658000003,"event_id":"short"}"#,
            #"{"user_id":"u5","item_id":17,"type":"fav","ts":"2017-11-26T01:00:00Z","event_id":"a-much-longer-event-id-than-before-0000000001","context":{"device":"ios","dwell":2}}"#,
            #"{"user_id":"","item_id":"i6","type":"view","ts":1511658000005}"#,
            #"{"user_id":"u\u0037","item_id":"i7","type":"click","ts":1511658000006,"event_id":"escaped\"quote-and-more-bytes"}"#,
            #"{"user_id":"u8","item_id":"i8","type":"view","ts":1511658000007,"event_id":"0f8fad5b-d9cb-469f-a165-70867728950f","quantity":2}"#,
        ]
        var reused = BehaviorEvent.placeholder
        for _ in 0..<3 {
            for message in messages {
                let bytes = Array(message.utf8)
                let fresh = Result(catching: { () throws(EventDecodingError) in try decoder.decode(bytes) })
                let into = Result(catching: { () throws(EventDecodingError) in try decoder.decode(bytes, into: &reused) })
                switch (fresh, into) {
                case (.success(let expected), .success):
                    #expect(reused == expected, "\(message)")
                    #expect(reused.eventID.map { Array($0.utf8) } == expected.eventID.map { Array($0.utf8) })
                case (.failure(let expected), .failure(let error)):
                    #expect(error == expected)
                default:
                    Issue.record("fresh \(fresh) but reused \(into) for \(message)")
                }
            }
        }
    }

    @Test func schemaExamplesDecodeExactlyWhenValid() throws {
        let directory = schemasDirectory.appendingPathComponent("examples/behavior-event")
        let files = try FileManager.default.contentsOfDirectory(atPath: directory.path).sorted()
        #expect(files.count >= 8)
        for file in files {
            let bytes = Array(try Data(contentsOf: directory.appendingPathComponent(file)))
            if file.hasPrefix("valid-") {
                #expect(reason(bytes) == nil, "\(file) should decode")
            } else {
                let expected = file.dropFirst("invalid-".count).prefix { $0 != "-" && $0 != "." }
                #expect(reason(bytes)?.rawValue == String(expected), "\(file)")
            }
        }
    }

    @Test func canonicalShapeTakesTheFastPathAndEscapesTheCompleteOne() throws {
        let canonical = Array(#"{"user_id":"u1","item_id":"i9","type":"view","ts":1511658000000,"price":3.5,"context":{"d":"ios","n":2}}"#.utf8)
        let escaped = Array(#"{"user_id":"u\u0031","item_id":"i9","type":"view","ts":1511658000000,"price":3.5,"context":{"d":"ios","n":2}}"#.utf8)
        let fast = try canonical.withUnsafeBytes { buffer in
            try Result { () throws(EventDecodingError) in try decoder.decodeReportingPath(buffer) }.get()
        }
        let complete = try escaped.withUnsafeBytes { buffer in
            try Result { () throws(EventDecodingError) in try decoder.decodeReportingPath(buffer) }.get()
        }
        #expect(fast.path == .fast)
        #expect(complete.path == .complete)
        #expect(fast.event == complete.event)
        #expect(fast.event.context == [.init(key: "d", value: .string("ios")), .init(key: "n", value: .number(2))])
    }

    @Test func fieldsAreNormalised() throws {
        let event = try decode(#"{"user_id":1,"item_id":2268318,"category_id":2520377,"type":"pv","ts":"2017-11-26T09:00:00+08:00","quantity":3}"#)
        #expect(event.userID == "1")
        #expect(event.itemID == "2268318")
        #expect(event.categoryID == "2520377")
        #expect(event.type == .view)
        #expect(event.timestamp == 1_511_658_000_000)
        #expect(event.quantity == 3)
        #expect(try decode(#"{"user_id":"a","item_id":"b","type":"buy","ts":"2017-11-26 01:00:00.5Z"}"#).timestamp == 1_511_658_000_500)
    }

    /// Random valid events: canonical encoding decodes to the same value, and so
    /// does a reordered, fully escaped, whitespace-padded encoding (complete path).
    @Test func propertyRoundTrip() throws {
        var generator = SplitMix64(seed: 1234)
        for _ in 0..<2000 {
            let event = randomEvent(&generator)
            #expect(try decoder.decode(event.jsonBytes) == event)
            let unusual = unusualEncoding(of: event, &generator)
            #expect(try decoder.decode(Array(unusual.utf8)) == event, "\(unusual)")
        }
    }

    @Test(arguments: hostileCorpus())
    func hostileInputYieldsItsDocumentedReason(_ item: HostileInput) {
        #expect(reason(item.bytes) == item.reason, "\(item.name)")
    }

    @Test func aMegabyteStringDecodesUnderALargerLimit() throws {
        let big = String(repeating: "x", count: 1_000_000)
        let text = #"{"user_id":"\#(big)","item_id":"i","type":"view","ts":1511658000000}"#
        let roomy = EventDecoder(configuration: .init(maxEventBytes: 2_000_000))
        #expect(try roomy.decode(Array(text.utf8)).userID.count == 1_000_000)
        #expect(reason(Array(text.utf8)) == .oversize)
    }

    @Test func errorsNameTheFieldAndPosition() {
        do {
            _ = try decode(#"{"user_id":"u1","item_id":"i9","type":"view","ts":1511658000000,"price":"cheap"}"#)
            Issue.record("should fail")
        } catch {
            #expect(error.reason == .wrongType)
            #expect(error.field == "price")
            #expect(error.position == 72)
            #expect(error.detail.contains("expected a number, got a string at byte 72"))
        }
    }
}

struct HostileInput: Sendable, CustomTestStringConvertible {
    let name: String
    let bytes: [UInt8]
    let reason: EventDecodingError.Reason
    var testDescription: String { name }
}

func hostileCorpus() -> [HostileInput] {
    let valid = #"{"user_id":"u1","item_id":"i9","type":"view","ts":1511658000000}"#
    func input(_ name: String, _ text: String, _ reason: EventDecodingError.Reason) -> HostileInput {
        HostileInput(name: name, bytes: Array(text.utf8), reason: reason)
    }
    var corpus = [
        input("empty", "", .empty),
        input("whitespace", "  \n\t ", .empty),
        input("truncated", String(valid.prefix(30)), .malformedJSON),
        input("truncated in a string", #"{"user_id":"u1"#, .malformedJSON),
        input("trailing bytes", valid + " x", .malformedJSON),
        input("two objects", valid + valid, .malformedJSON),
        input("leading zero", #"{"user_id":"u1","item_id":"i9","type":"view","ts":01511658000000}"#, .malformedJSON),
        input("control character", "{\"user_id\":\"u\u{01}1\",\"item_id\":\"i9\",\"type\":\"view\",\"ts\":1511658000000}", .malformedJSON),
        input("lone surrogate", #"{"user_id":"\ud800","item_id":"i9","type":"view","ts":1511658000000}"#, .malformedJSON),
        input("bad escape", #"{"user_id":"\q","item_id":"i9","type":"view","ts":1511658000000}"#, .malformedJSON),
        input("NaN", #"{"user_id":"u1","item_id":"i9","type":"view","ts":1511658000000,"price":NaN}"#, .nonFiniteNumber),
        input("Infinity", #"{"user_id":"u1","item_id":"i9","type":"view","ts":1511658000000,"price":Infinity}"#, .nonFiniteNumber),
        input("-Infinity in context", #"{"user_id":"u1","item_id":"i9","type":"view","ts":1511658000000,"context":{"x":-Infinity}}"#, .nonFiniteNumber),
        input("1e999", #"{"user_id":"u1","item_id":"i9","type":"view","ts":1511658000000,"price":1e999}"#, .nonFiniteNumber),
        input("far future", #"{"user_id":"u1","item_id":"i9","type":"view","ts":32503680000000}"#, .timestampOutOfRange),
        input("seconds not ms", #"{"user_id":"u1","item_id":"i9","type":"view","ts":1511658000}"#, .timestampOutOfRange),
        input("huge integer ts", #"{"user_id":"u1","item_id":"i9","type":"view","ts":99999999999999999999999}"#, .timestampOutOfRange),
        input("month 13", #"{"user_id":"u1","item_id":"i9","type":"view","ts":"2017-13-01T00:00:00Z"}"#, .timestampOutOfRange),
        input("float ts", #"{"user_id":"u1","item_id":"i9","type":"view","ts":1511658000000.5}"#, .wrongType),
        input("id as object", #"{"user_id":{"id":1},"item_id":"i9","type":"view","ts":1511658000000}"#, .wrongType),
        input("id as float", #"{"user_id":1.5,"item_id":"i9","type":"view","ts":1511658000000}"#, .wrongType),
        input("type as number", #"{"user_id":"u1","item_id":"i9","type":4,"ts":1511658000000}"#, .wrongType),
        input("nested context", #"{"user_id":"u1","item_id":"i9","type":"view","ts":1511658000000,"context":{"a":[1]}}"#, .wrongType),
        input("null user", #"{"user_id":null,"item_id":"i9","type":"view","ts":1511658000000}"#, .missingField),
        input("no item", #"{"user_id":"u1","type":"view","ts":1511658000000}"#, .missingField),
        input("empty id", #"{"user_id":"","item_id":"i9","type":"view","ts":1511658000000}"#, .invalidValue),
        input("negative quantity", #"{"user_id":"u1","item_id":"i9","type":"view","ts":1511658000000,"quantity":-1}"#, .invalidValue),
        input("duplicate key", #"{"user_id":"u1","user_id":"u2","item_id":"i9","type":"view","ts":1511658000000}"#, .duplicateField),
        input("unknown type", #"{"user_id":"u1","item_id":"i9","type":"teleport","ts":1511658000000}"#, .unknownEventType),
        input("array", "[1,2,3]", .notAnObject),
        input("string", #""hello""#, .notAnObject),
        input("deep nesting in an ignored field", #"{"user_id":"u1","item_id":"i9","type":"view","ts":1511658000000,"x":"# + String(repeating: "[", count: 10_000) + "}", .nestingTooDeep),
        input("deep nesting at the top", String(repeating: "[", count: 10_000), .nestingTooDeep),
        input("megabyte string", #"{"user_id":""# + String(repeating: "a", count: 1_000_000) + #"","item_id":"i9","type":"view","ts":1511658000000}"#, .oversize),
    ]
    corpus.append(HostileInput(name: "0xFF byte", bytes: Array(#"{"user_id":""#.utf8) + [0xFF] + Array(#"","item_id":"i9","type":"view","ts":1511658000000}"#.utf8), reason: .invalidUTF8))
    corpus.append(HostileInput(name: "overlong slash", bytes: Array(#"{"user_id":""#.utf8) + [0xC0, 0xAF] + Array(#"","item_id":"i9","type":"view","ts":1}"#.utf8), reason: .invalidUTF8))
    corpus.append(HostileInput(name: "encoded surrogate", bytes: Array(#"{"user_id":""#.utf8) + [0xED, 0xA0, 0x80] + Array(#"","item_id":"i9","type":"view","ts":1}"#.utf8), reason: .invalidUTF8))
    corpus.append(HostileInput(name: "cut multibyte", bytes: Array(#"{"user_id":"é"#.utf8).dropLast(1) + [], reason: .invalidUTF8))
    return corpus
}

/// A random valid event: ids with quotes, backslashes, control characters and
/// non-ASCII; optional fields present or not; context of both kinds.
func randomEvent(_ generator: inout SplitMix64) -> BehaviorEvent {
    let alphabet: [Character] = ["a", "z", "0", "9", "-", "_", " ", "\"", "\\", "/", "é", "中", "😀", "\n", "\t", "\u{01}"]
    func text(_ maxLength: Int) -> String {
        let length = 1 + Int(generator.next() % UInt64(maxLength))
        return String((0..<length).map { _ in alphabet[Int(generator.next() % UInt64(alphabet.count))] })
    }
    func maybe<T>(_ make: () -> T) -> T? { generator.next() % 2 == 0 ? make() : nil }
    var event = BehaviorEvent(
        userID: text(20),
        itemID: generator.next() % 3 == 0 ? String(generator.next() % 10_000_000) : text(20),
        type: BehaviorType.allCases[Int(generator.next() % 6)],
        timestamp: 946_684_800_000 + Int64(generator.next() % 3_000_000_000_000)
    )
    event.eventID = maybe { text(30) }
    event.categoryID = maybe { text(10) }
    event.price = maybe { Double(generator.next() % 1_000_000) / 100 }
    event.quantity = maybe { Int64(generator.next() % 100) }
    event.sessionID = maybe { text(12) }
    if generator.next() % 2 == 0 {
        event.context = (0..<Int(generator.next() % 4)).map { index in
            .init(key: "k\(index)\(text(4))", value: generator.next() % 2 == 0 ? .string(text(8)) : .number(Double(Int64(generator.next() % 2000) - 1000) / 8))
        }
    }
    return event
}

/// The event with keys shuffled, every string escaped as \uXXXX and padding whitespace.
func unusualEncoding(of event: BehaviorEvent, _ generator: inout SplitMix64) -> String {
    func escaped(_ value: String) -> String {
        var result = "\""
        for unit in value.utf16 { result += "\\u" + String(format: "%04X", unit) }
        return result + "\""
    }
    var pairs: [(String, String)] = [
        ("user_id", escaped(event.userID)), ("item_id", escaped(event.itemID)),
        ("type", escaped(event.type.name)), ("ts", String(event.timestamp)),
        ("ignored", #"{"nested": [1, {"deep": [true, null]}], "s": "\u00e9"}"#),
    ]
    if let value = event.eventID { pairs.append(("event_id", escaped(value))) }
    if let value = event.categoryID { pairs.append(("category_id", escaped(value))) }
    if let value = event.price { pairs.append(("price", "\(value)")) }
    if let value = event.quantity { pairs.append(("quantity", "\(value)")) }
    if let value = event.sessionID { pairs.append(("session_id", escaped(value))) }
    if !event.context.isEmpty {
        let entries = event.context.map { entry -> String in
            switch entry.value {
            case .string(let text): return "\(escaped(entry.key)) : \(escaped(text))"
            case .number(let number): return "\(escaped(entry.key)) : \(number)"
            }
        }
        pairs.append(("context", "{ " + entries.joined(separator: " , ") + " }"))
    }
    pairs.shuffle(using: &generator)
    return "\n { " + pairs.map { "\(escaped($0.0)) :\t\($0.1)" }.joined(separator: " ,\r\n ") + " } \n"
}

@Suite(.ownThreads) struct DecimalParsingTests {
    /// The fast decimal path and Double(String) agree bit for bit on prices.
    @Test func fastPathPricesEqualStandardParsing() throws {
        var generator = SplitMix64(seed: 9)
        let decoder = EventDecoder()
        for _ in 0..<20_000 {
            let cents = generator.next() % 100_000_000_000
            let text = "\(cents / 100).\(String(format: "%02d", cents % 100))"
            let json = #"{"user_id":"u","item_id":"i","type":"view","ts":1511658000000,"price":\#(text)}"#
            #expect(try decoder.decode(Array(json.utf8)).price == Double(text)!)
        }
        for text in ["0.1", "1.7976931348623157", "33.20", "0.000001", "123456789012.345"] {
            let json = #"{"user_id":"u","item_id":"i","type":"view","ts":1511658000000,"price":\#(text)}"#
            #expect(try decoder.decode(Array(json.utf8)).price == Double(text)!, "\(text)")
        }
    }
}
