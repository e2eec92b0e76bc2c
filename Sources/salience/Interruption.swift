import Dispatch
import Foundation

/// SIGINT and SIGTERM as a request to finish early, as kcat does: the first
/// signal sets ``requested`` (the command stops reading, flushes what it has,
/// prints its summary and exits non-zero); a second exits at once.
final class Interruption: Sendable {
    private let flag = Counter()
    private nonisolated(unsafe) let sources: [DispatchSourceSignal]

    /// Exit status of a command that stopped on a signal (128 + SIGINT).
    static let exitCode: Int32 = 130

    /// Starts listening; the signals' default action is off until the process ends.
    init() {
        let flag = flag
        sources = [SIGINT, SIGTERM].map { number in
            signal(number, SIG_IGN)
            let source = DispatchSource.makeSignalSource(signal: number, queue: .global())
            source.setEventHandler {
                flag.increment()
                if flag.value > 1 {
                    FileHandle.standardError.write(Data("\ninterrupted again: exiting at once\n".utf8))
                    exit(Interruption.exitCode)
                }
                FileHandle.standardError.write(Data("\ninterrupted: finishing what was read (interrupt again to exit at once)\n".utf8))
            }
            source.resume()
            return source
        }
    }

    /// Whether a signal has asked the command to stop.
    var requested: Bool { flag.value > 0 }
}
