import Foundation
import SalienceCore

/// Progress on standard error: a bar with rate and ETA on a terminal, a plain
/// line every few seconds otherwise.
final class Progress {
    private let total: Int64?
    private let unit: String
    private let interactive = isatty(FileHandle.standardError.fileDescriptor) != 0
    private let start = ContinuousClock.now
    private var lastReport = ContinuousClock.now

    /// `total` is the amount `update` counts towards (bytes, offsets …), when known.
    init(total: Int64?, unit: String) {
        self.total = total
        self.unit = unit
    }

    /// Reports `done` of `total` and `items` processed so far (throttled).
    func update(done: Int64, items: Int) {
        let now = ContinuousClock.now
        guard now - lastReport >= (interactive ? .milliseconds(200) : .seconds(5)) else { return }
        lastReport = now
        write(done: done, items: items, final: false)
    }

    func finish(done: Int64, items: Int) {
        write(done: done, items: items, final: true)
    }

    private func write(done: Int64, items: Int, final: Bool) {
        let elapsed = max((ContinuousClock.now - start).totalSeconds, 1e-6)
        let rate = Double(items) / elapsed
        var line = String(format: "%d %@, %.0f %@/s", items, unit, rate, unit)
        if let total, total > 0 {
            let fraction = min(Double(done) / Double(total), 1)
            let remaining = fraction > 0 ? elapsed * (1 - fraction) / fraction : 0
            if interactive {
                let width = 30
                let filled = Int(fraction * Double(width))
                line = "[" + String(repeating: "#", count: filled) + String(repeating: "-", count: width - filled) + "] "
                    + String(format: "%5.1f%% ", fraction * 100) + line + String(format: ", ETA %.0fs", remaining)
            } else {
                line += String(format: ", %.1f%%, ETA %.0fs", fraction * 100, remaining)
            }
        }
        let output = interactive ? "\r" + line + (final ? "\n" : "") : line + "\n"
        FileHandle.standardError.write(Data(output.utf8))
    }
}
