/// Why estimator state bytes were refused. Nothing is half-loaded: decoding
/// either returns complete state or throws this.
public struct StateDecodingError: Error, Sendable, Hashable, CustomStringConvertible {
    /// The kind of fault.
    public struct Reason: RawRepresentable, Hashable, Sendable, CustomStringConvertible {
        public let rawValue: String
        public init(rawValue: String) { self.rawValue = rawValue }

        /// The bytes end before the state does.
        public static let truncated = Reason(rawValue: "truncated")
        /// The bytes do not start with the checkpoint magic.
        public static let notAState = Reason(rawValue: "not_a_checkpoint")
        /// The checksum does not match: the bytes were altered.
        public static let checksumMismatch = Reason(rawValue: "checksum_mismatch")
        /// Written by a format version this build does not read.
        public static let unsupportedVersion = Reason(rawValue: "unsupported_version")
        /// Written under a different estimator configuration.
        public static let configurationMismatch = Reason(rawValue: "configuration_mismatch")
        /// Structurally wrong content behind a valid checksum.
        public static let malformed = Reason(rawValue: "malformed")

        public var description: String { rawValue }
    }

    public let reason: Reason
    public let detail: String

    public init(_ reason: Reason, _ detail: String) {
        self.reason = reason
        self.detail = detail
    }

    public var description: String { "checkpoint refused (\(reason)): \(detail)" }
}
