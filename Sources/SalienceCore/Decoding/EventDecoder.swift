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
        var path = Path.fast
        return try decode(bytes, path: &path)
    }

    /// Decodes one message.
    public func decode(_ bytes: [UInt8]) throws(EventDecodingError) -> BehaviorEvent {
        var failure: EventDecodingError?
        let event = bytes.withUnsafeBytes { buffer -> BehaviorEvent? in
            do throws(EventDecodingError) {
                return try decode(buffer)
            } catch {
                failure = error
                return nil
            }
        }
        if let event { return event }
        throw failure!
    }

    /// Decodes one message and says which path did it.
    public func decodeReportingPath(_ bytes: UnsafeRawBufferPointer) throws(EventDecodingError) -> (event: BehaviorEvent, path: Path) {
        var path = Path.fast
        let event = try decode(bytes, path: &path)
        return (event, path)
    }

    private func decode(_ bytes: UnsafeRawBufferPointer, path: inout Path) throws(EventDecodingError) -> BehaviorEvent {
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
            return try validation.event(from: fields)
        }
        path = .complete
        var parser = JSONEventParser(bytes, maxDepth: configuration.maxDepth)
        return try validation.event(from: try parser.parse())
    }
}
