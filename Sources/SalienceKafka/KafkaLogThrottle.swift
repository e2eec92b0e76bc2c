/// Which of librdkafka's log lines a client passes on: the first of a kind,
/// then at most one per ``window`` with a count of those held back. While a
/// broker is down librdkafka logs a failed connection attempt per broker
/// handle and retry — hundreds of lines a second across a process's
/// clients — that differ only in their numbers (ports, durations, counts).
///
/// A line's kind is its facility and its text with every run of digits
/// taken as one: "Connect to ipv4#127.0.0.1:9092 failed (after 0ms …)" and
/// the same for another port or duration are one kind.
struct KafkaLogThrottle: Sendable {
    /// What to do with a line.
    enum Decision: Equatable, Sendable {
        /// Log it; `heldBack` lines of its kind were not logged since the last one that was.
        case log(heldBack: Int)
        /// Hold it back (counted).
        case holdBack
    }

    /// How long after a line is logged the next of its kind is held back. Default: 10 s.
    let window: Duration
    /// Kinds last logged at most this long ago, with what was held back since.
    private var recent: [String: (loggedAt: ContinuousClock.Instant, heldBack: Int)] = [:]

    /// A throttle holding back repeats for `window` after each logged line.
    init(window: Duration = .seconds(10)) {
        self.window = window
    }

    /// Whether the line (`facility`, `message`) seen at `now` is logged.
    mutating func decide(facility: String, message: String, now: ContinuousClock.Instant) -> Decision {
        let kind = Self.kind(facility: facility, message: message)
        if let last = recent[kind], now - last.loggedAt < window {
            recent[kind] = (last.loggedAt, last.heldBack + 1)
            return .holdBack
        }
        let heldBack = recent[kind]?.heldBack ?? 0
        recent[kind] = (now, 0)
        if recent.count > 256 { recent = recent.filter { now - $0.value.loggedAt < window } }
        return .log(heldBack: heldBack)
    }

    /// The facility and the text with each run of digits as `#`.
    static func kind(facility: String, message: String) -> String {
        var kind = facility + ":"
        var inDigits = false
        for character in message.unicodeScalars {
            let isDigit = ("0"..."9").contains(character)
            if !isDigit { kind.unicodeScalars.append(character) } else if !inDigits { kind.append("#") }
            inDigits = isDigit
        }
        return kind
    }
}
