import SalienceTestSupport
import Testing

/// The classification the fault tests rely on to tell the embedded broker's
/// repeats from output the pipeline got wrong.
@Suite(.ownThreads)
struct OutputAlignmentTests {
    private let expected: [[UInt8]] = (0..<6).map { [UInt8($0)] }

    @Test func repeatsAreTheBrokersKind() {
        let alignment = OutputAlignment(written: [[0], [1], [2], [1], [2], [3], [4], [5]], expected: expected)
        #expect(alignment.repeats == 2)
        #expect(alignment.absent == 0)
        #expect(alignment.onlyRepeats)
    }

    /// A missing record fails, repeated ones or not: with one produce request
    /// in flight the embedded broker cannot make one.
    @Test func anAbsenceIsNot() {
        let alignment = OutputAlignment(written: [[0], [1], [2], [1], [2], [4], [5]], expected: expected)
        #expect(alignment.repeats == 2)
        #expect(alignment.absent == 1)
        #expect(!alignment.onlyRepeats)
    }

    @Test func aChangedRecordIsNot() {
        let alignment = OutputAlignment(written: [[0], [1], [9], [3], [4], [5]], expected: expected)
        #expect(alignment.foreign == 1)
        #expect(alignment.absent == 1)
        #expect(!alignment.onlyRepeats)
    }

    @Test func reorderedRecordsAreNot() {
        let alignment = OutputAlignment(written: [[0], [2], [1], [3], [4], [5]], expected: expected)
        #expect(alignment.outOfOrder == 1)
        #expect(alignment.absent == 0)
        #expect(!alignment.onlyRepeats)
    }
}
