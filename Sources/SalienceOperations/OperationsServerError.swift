import Foundation

/// The metrics and health endpoint could not listen: the address, the reason
/// and the settings that change it, in one sentence.
public struct OperationsServerError: Error, Sendable, CustomStringConvertible {
    /// The address that could not be bound.
    public let host: String
    /// The port that could not be bound.
    public let port: Int
    /// Why, e.g. "the port is in use".
    public let reason: String

    init(configuration: OperationsConfiguration, reason: String) {
        host = configuration.host
        port = configuration.port
        self.reason = reason
    }

    public var description: String {
        "cannot serve /metrics and health on \(host):\(port): \(reason); choose another port with --http-port (http.port; 0 picks a free one) or set http.enabled: false"
    }
}
