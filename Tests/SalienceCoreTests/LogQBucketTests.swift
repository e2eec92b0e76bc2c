@testable import SalienceCore
import SalienceTestSupport
import Testing

/// A log-Q bucket in 12 bytes: its last sighting in 48 bits, its gap count in 16.
@Suite(.ownThreads) struct LogQBucketTests {
    @Test func aBucketIsTwelveBytes() {
        #expect(MemoryLayout<LogQEstimator.Bucket>.stride == 12)
    }

    @Test(arguments: [Int64(-1), 0, 1, (Int64(1) << 32) - 1, Int64(1) << 32, (Int64(1) << 40) + 12_345, LogQEstimator.stepLimit] as [Int64])
    func aLastSightingReadsBackAsWritten(step: Int64) {
        var bucket = LogQEstimator.Bucket()
        #expect(bucket.lastSeen == -1, "a bucket never seen")
        bucket.lastSeen = step
        #expect(bucket.lastSeen == step)
        #expect((bucket == .empty) == (step == -1))
    }

    /// The gap count stops at 65,535; from `1/rate` gaps on the weight is
    /// `rate`, so a bucket seen more often than that averages as before.
    @Test func theGapCountStopsAtItsLimit() throws {
        var estimator = LogQEstimator(bucketBits: 4, rate: 1 / 65_535, seed: 1)
        for _ in 0..<70_000 { _ = estimator.observe(42) }
        var writer = BinaryWriter()
        estimator.encode(to: &writer)
        var reader = BinaryReader(writer.bytes)
        let restored = try LogQEstimator(from: &reader)
        #expect(restored == estimator)
        #expect(estimator.logQ(42) == 0, "seen every step: the gap is 1, log q = 0")
    }
}
