@testable import SalienceKafka
import SalienceTestSupport
import Testing

/// A broker's time-lookup answer checked against the messages, without a
/// broker: messages are an array of timestamps at offsets `low...`.
@Suite(.ownThreads) struct TimeLookupTests {
    /// Offsets 100..<400, three messages per 10 ms step from `base`.
    let base: Int64 = 1_511_658_000_000
    let low: Int64 = 100
    var timestamps: [Int64] { (0..<300).map { base + Int64($0 / 3) * 10 } }

    /// Offsets read, in order, and the lookup's result.
    func lookup(
        _ target: Int64, answer: Int64, gaps: Set<Int64> = []
    ) throws -> (found: TimeLookup.Found, reads: [Int64]) {
        let timestamps = self.timestamps
        let high = low + Int64(timestamps.count)
        var reads: [Int64] = []
        let found = try TimeLookup(target: target, low: low, high: high).firstOffset(brokerAnswer: answer) { offset in
            reads.append(offset)
            // The first message at or after `offset`, past compacted ones.
            var at = offset
            while gaps.contains(at) { at += 1 }
            return (at, timestamps[Int(at - low)])
        }
        return (found, reads)
    }

    /// The first offset at or after the target, computed by scanning.
    func expected(_ target: Int64) -> Int64 {
        low + Int64(timestamps.firstIndex { $0 >= target } ?? timestamps.count)
    }

    @Test(arguments: [Int64(-1), 0, 500, 505, 995, 10_000])
    func aRightAnswerIsTakenAfterTwoReads(offsetFromBase: Int64) throws {
        let target = base + offsetFromBase
        let answer = expected(target)
        let result = try lookup(target, answer: answer)
        #expect(result.found == .init(offset: answer))
        #expect(result.reads.count <= 2, "reads \(result.reads)")
    }

    /// Tansu 0.6 answers offset 0 (here the low watermark, or before it) for any time.
    @Test(arguments: [Int64(0), 100])
    func anAnswerAtTheStartForAnyTimeIsCorrectedBySearch(answer: Int64) throws {
        for target in [base + 500, base + 505, base + 10_000] {
            let result = try lookup(target, answer: answer)
            #expect(result.found.offset == expected(target))
            #expect(result.found.contradiction != nil)
        }
        // Where the start is the right answer, it is taken as it is.
        #expect(try lookup(base - 1, answer: 100).found == .init(offset: 100))
    }

    @Test func anAnswerTooLateOrTooEarlyIsCorrectedNamingTheMessageAgainstIt() throws {
        let target = base + 500
        let late = try lookup(target, answer: expected(target) + 7)
        #expect(late.found.offset == expected(target))
        #expect(late.found.contradiction?.contains("just before it") == true, "\(String(describing: late.found.contradiction))")
        let early = try lookup(target, answer: expected(target) - 1)
        #expect(early.found.offset == expected(target))
        #expect(early.found.contradiction?.contains("the first at or after it") == true, "\(String(describing: early.found.contradiction))")
    }

    /// "None" from a broker that cannot answer (librdkafka's embedded
    /// cluster) is searched, and not reported as a contradiction.
    @Test func noneIsSearched() throws {
        for target in [base - 1, base + 500, base + 505, base + 10_000] {
            #expect(try lookup(target, answer: -1).found == .init(offset: expected(target)))
        }
    }

    /// A right answer whose previous offset was compacted away: the message
    /// read in its place is the first at or after the answer.
    @Test func aRightAnswerAfterACompactedOffsetIsTaken() throws {
        let target = base + 500
        let answer = expected(target)
        let result = try lookup(target, answer: answer, gaps: [answer - 1])
        #expect(result.found == .init(offset: answer))
        #expect(result.reads == [answer - 1])
    }
}
