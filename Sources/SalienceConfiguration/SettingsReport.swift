import SalienceCore
import SalienceKafka

/// The effective configuration as YAML, each value followed by its source,
/// with every secret replaced by `<redacted>`.
public enum SettingsReport {
    /// Secret librdkafka properties present in the configuration, by key path.
    public static func secrets(in loaded: SettingsLoader.Loaded) -> [String] {
        loaded.settings.pipeline.kafka.properties.keys
            .filter(KafkaClientConfiguration.isSecret(property:))
            .map { "\(SettingsCatalog.kafkaSection).\($0)" }
            .sorted()
    }

    /// YAML that loads back to the same settings (secrets aside), with a
    /// `# source` comment on every line.
    public static func yaml(_ loaded: SettingsLoader.Loaded) -> String {
        var lines: [(path: [String], value: String, source: String)] = []
        for key in SettingsCatalog.keys {
            let source = loaded.sources[key.path]?.description ?? SettingSource.defaultValue.description
            lines.append((key.path.split(separator: ".").map(String.init), yamlValue(key.read(loaded.settings), kind: key.kind), source))
            if key.path == "kafka.client_id" {
                for (property, value) in loaded.settings.pipeline.kafka.redactedProperties.sorted(by: { $0.key < $1.key }) {
                    let path = "\(SettingsCatalog.kafkaSection).\(property)"
                    lines.append(([SettingsCatalog.kafkaSection, property], quoted(value), loaded.sources[path]?.description ?? ""))
                }
            }
        }
        var output = "# Effective configuration" + (loaded.file.map { " (file \($0))" } ?? "") + "; secrets redacted.\n"
        var open: [String] = []
        for line in lines {
            let parents = Array(line.path.dropLast())
            var shared = 0
            while shared < min(open.count, parents.count), open[shared] == parents[shared] { shared += 1 }
            for depth in shared..<parents.count {
                output += String(repeating: "  ", count: depth) + parents[depth] + ":\n"
            }
            open = parents
            let indent = String(repeating: "  ", count: parents.count)
            output += "\(indent)\(line.path.last!): \(line.value)  # \(line.source)\n"
        }
        return output
    }

    private static func yamlValue(_ value: SettingValue, kind: SettingKind) -> String {
        switch value {
        case .list(let items): "[" + items.map(quoted).joined(separator: ", ") + "]"
        case .text(let text): quoted(text)
        default: value.text
        }
    }

    /// A double-quoted YAML scalar: JSON's string escapes are valid YAML ones.
    private static func quoted(_ text: String) -> String {
        JSONWriter.quoted(text)
    }
}
