import Foundation
import SalienceKafka
import SalienceTestSupport
import Testing

@Suite(.ownThreads) struct KafkaLibraryTests {
    /// The version reported is the librdkafka loaded at run time (CI runs this
    /// suite on Debian's 2.0.2 and again on a current release through
    /// `LD_LIBRARY_PATH`), and the log of each run names it.
    @Test func theLoadedLibrarysVersionIsReported() throws {
        let version = KafkaLibrary.version
        print("librdkafka under test: \(version)")
        let parts = version.split(separator: ".").map { Int($0) }
        #expect(parts.count >= 3 && parts.allSatisfy { $0 != nil }, "\(version)")
        #expect((parts.first ?? 0) ?? 0 >= 2, "librdkafka 2 or newer: \(version)")
        if let expected = ProcessInfo.processInfo.environment["EXPECTED_LIBRDKAFKA_VERSION"] {
            #expect(version == expected, "LD_LIBRARY_PATH should have loaded \(expected)")
        }
    }
}
