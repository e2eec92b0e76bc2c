import CRdKafka
import Foundation

/// Builds an `rd_kafka_conf_t` from properties, failing on the first property
/// librdkafka rejects with its name and librdkafka's own message.
enum RDKafkaConfig {
    static func make(_ properties: [String: String]) throws -> OpaquePointer {
        guard let conf = rd_kafka_conf_new() else {
            throw KafkaError(code: .invalidConfiguration, name: "CONF", message: "rd_kafka_conf_new failed", severity: .fatal)
        }
        // Sorted so a configuration with several faults always reports the same one.
        for (key, value) in properties.sorted(by: { $0.key < $1.key }) {
            var errorText = [CChar](repeating: 0, count: 512)
            let result = rd_kafka_conf_set(conf, key, value, &errorText, errorText.count)
            guard result == RD_KAFKA_CONF_OK else {
                rd_kafka_conf_destroy(conf)
                var reason = String(decoding: errorText.prefix { $0 != 0 }.map { UInt8(bitPattern: $0) }, as: UTF8.self)
                if KafkaClientConfiguration.isSecret(property: key), !value.isEmpty {
                    reason = reason.replacingOccurrences(of: value, with: KafkaClientConfiguration.redacted)
                }
                let kind = result == RD_KAFKA_CONF_UNKNOWN ? "unknown property" : "invalid value"
                throw KafkaError(
                    code: .invalidConfiguration,
                    name: "CONF_\(result == RD_KAFKA_CONF_UNKNOWN ? "UNKNOWN" : "INVALID")",
                    message: "configuration property '\(key)': \(kind): \(reason)",
                    severity: .permanent
                )
            }
        }
        return conf
    }

    /// Checks `properties` as ``make(_:)`` does, keeping nothing.
    static func validate(_ properties: [String: String]) throws {
        rd_kafka_conf_destroy(try make(properties))
    }
}
