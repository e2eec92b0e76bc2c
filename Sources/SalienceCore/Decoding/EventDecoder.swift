/// Decodes input messages into ``BehaviorEvent``s: the fast path for the flat
/// canonical shape, the complete parser for everything else, and one
/// validation for both. Never crashes and never hangs on hostile input; every
/// refusal is an ``EventDecodingError`` with a reason.
public struct EventDecoder: Sendable {
    /// Limits and aliases.
    public struct Configuration: Hashable, Sendable {
        /// Messages larger than this are refused as `oversize`. Default: 64 KiB.
        public var maxEventBytes: Int
        /// Accepted event times, epoch milliseconds.
        /// Default: 2000-01-01T00:00:00Z ..< 2100-01-01T00:00:00Z.
        public var timestampRange: ClosedRange<Int64>
        /// How deep arrays and objects (in ignored fields) may nest. Default: 32.
        public var maxDepth: Int
        /// Behaviour-type aliases. Default: ``BehaviorTypeAliases/standard``.
        public var aliases: BehaviorTypeAliases

        public init(
            maxEventBytes: Int = 64 * 1024,
            timestampRange: ClosedRange<Int64> = 946_684_800_000...4_102_444_799_999,
            maxDepth: Int = 32,
            aliases: BehaviorTypeAliases = .standard
        ) {
            self.maxEventBytes = maxEventBytes
            self.timestampRange = timestampRange
            self.maxDepth = maxDepth
            self.aliases = aliases
        }
    }

    /// Which path decoded an event (for tests and metrics).
    public enum Path: Sendable, Hashable {
        case fast, complete
    }

    public let configuration: Configuration
    private let validation: EventValidation

    public init(configuration: Configuration = Configuration()) {
        self.configuration = configuration
        validation = EventValidation(configuration: configuration)
    }

    /// Decodes one message.
    public func decode(_ bytes: UnsafeRawBufferPointer) throws(EventDecodingError) -> BehaviorEvent {
        var event = BehaviorEvent.placeholder
        var path = Path.fast
        try decode(bytes, into: &event, path: &path)
        return event
    }

    /// Decodes one message.
    public func decode(_ bytes: [UInt8]) throws(EventDecodingError) -> BehaviorEvent {
        var event = BehaviorEvent.placeholder
        try decode(bytes, into: &event)
        return event
    }

    /// Decodes one message into `event`, reusing the buffers of its strings
    /// where nothing else shares them: a loop that decodes into the same
    /// event allocates nothing per event. On a throw, `event` is left
    /// part-filled.
    public func decode(_ bytes: [UInt8], into event: inout BehaviorEvent) throws(EventDecodingError) {
        var failure: EventDecodingError?
        bytes.withUnsafeBytes { buffer in
            do throws(EventDecodingError) {
                try decode(buffer, into: &event)
            } catch {
                failure = error
            }
        }
        if let failure { throw failure }
    }

    /// ``decode(_:into:)-([UInt8],_)`` from bytes in place (a consumer's batch).
    public func decode(_ bytes: UnsafeRawBufferPointer, into event: inout BehaviorEvent) throws(EventDecodingError) {
        var path = Path.fast
        try decode(bytes, into: &event, path: &path)
    }

    /// Decodes one message and says which path did it.
    public func decodeReportingPath(_ bytes: UnsafeRawBufferPointer) throws(EventDecodingError) -> (event: BehaviorEvent, path: Path) {
        var event = BehaviorEvent.placeholder
        var path = Path.fast
        try decode(bytes, into: &event, path: &path)
        return (event, path)
    }

    private func decode(_ bytes: UnsafeRawBufferPointer, into event: inout BehaviorEvent, path: inout Path) throws(EventDecodingError) {
        guard bytes.count <= configuration.maxEventBytes else {
            throw EventDecodingError(.oversize, "\(bytes.count) bytes exceeds the limit of \(configuration.maxEventBytes)")
        }
        if let position = UTF8Validation.firstInvalidByte(bytes) {
            throw EventDecodingError(.invalidUTF8, "invalid UTF-8 at byte \(position)", position: position)
        }
        var scanner = FlatEventScanner(bytes)
        var fields = RawEventFields()
        if scanner.scan(into: &fields) {
            path = .fast
            return try validation.fill(&event, from: fields)
        }
        path = .complete
        var parser = JSONEventParser(bytes, maxDepth: configuration.maxDepth)
        try validation.fill(&event, from: try parser.parse())
    }
}

extension BehaviorEvent {
    /// An empty event to decode into (``EventDecoder/decode(_:into:)``
    /// overwrites every field).
    public static var placeholder: BehaviorEvent { BehaviorEvent(userID: "", itemID: "", type: .view, timestamp: 0) }
}
