
extension KafkaClientConfiguration {
    /// What stands in for a secret value in logs, errors and dumps.
    public static let redacted = "<redacted>"

    /// Whether a librdkafka property holds a secret (passwords, keys, tokens,
    /// JAAS and OAuth configuration), so its value is never shown.
    public static func isSecret(property key: String) -> Bool {
        let key = key.lowercased()
        return ["password", "secret", "token", "credential", "jaas", "oauthbearer.config", "key.pem", "ssl.key"]
            .contains { key.contains($0) }
            && !key.hasSuffix(".location") && !key.hasSuffix(".endpoint.url")
    }

    /// ``properties`` with secret values replaced by ``redacted``.
    public var redactedProperties: [String: String] {
        properties.reduce(into: [:]) { result, entry in
            result[entry.key] = Self.isSecret(property: entry.key) ? Self.redacted : entry.value
        }
    }

    /// Checks every property with librdkafka without connecting: unknown
    /// names and invalid values fail here, as they would at start-up.
    ///
    /// - Throws: ``KafkaError`` naming the property (never a secret's value).
    public func validate() throws {
        try RDKafkaConfig.validate(librdkafkaProperties.merging(properties) { _, raw in raw })
    }
}
