import Foundation
import SalienceConfiguration
import SalienceTestSupport
import Testing

@Suite("Settings: schema, README and docs/configuration.md", .ownThreads)
struct SettingsDocumentationTests {
    static let repository = URL(fileURLWithPath: #filePath).deletingLastPathComponent().deletingLastPathComponent().deletingLastPathComponent()

    @Test("Schemas/config.schema.json is what `salience config schema` generates")
    func schemaIsCurrent() throws {
        let committed = try String(contentsOf: Self.repository.appendingPathComponent("Schemas/config.schema.json"), encoding: .utf8)
        #expect(committed == SettingsSchema.json(), "regenerate with: salience config schema > Schemas/config.schema.json")
    }

    /// The documentation's YAML examples: fenced ```yaml blocks whose first line is `# salience.yaml`.
    static func documentedExamples() throws -> [String] {
        try ["README.md", "docs/configuration.md"].flatMap { name in
            let text = try String(contentsOf: repository.appendingPathComponent(name), encoding: .utf8)
            return text.components(separatedBy: "```yaml\n").dropFirst().compactMap { block in
                let body = block.components(separatedBy: "\n```").first ?? ""
                return body.hasPrefix("# salience.yaml") ? body : nil
            }
        }
    }

    @Test("Every configuration example in the README and docs/configuration.md loads")
    func documentedExamplesLoad() throws {
        let examples = try Self.documentedExamples()
        #expect(examples.count >= 3)
        for example in examples {
            let path = try SettingsLoaderTests.file(example)
            #expect(throws: Never.self) { _ = try SettingsLoader(file: path, environment: [:]).load() }
        }
    }

    @Test("Schema examples: valid-*.yaml and Docker/salience.yaml load, invalid-*.yaml are refused")
    func schemaExamples() throws {
        let directory = Self.repository.appendingPathComponent("Schemas/examples/config")
        let names = try FileManager.default.contentsOfDirectory(atPath: directory.path).filter { $0.hasSuffix(".yaml") }.sorted()
        #expect(names.count >= 4)
        for name in names {
            let loader = SettingsLoader(file: directory.appendingPathComponent(name).path, environment: [:])
            if name.hasPrefix("valid-") {
                #expect(throws: Never.self, "\(name)") { _ = try loader.load() }
            } else {
                #expect(throws: ConfigurationError.self, "\(name)") { _ = try loader.load() }
            }
        }
        let docker = SettingsLoader(file: Self.repository.appendingPathComponent("Docker/salience.yaml").path, environment: [:])
        #expect(throws: Never.self) { _ = try docker.load() }
    }

    @Test("The key table of docs/configuration.md lists every key with its default")
    func documentationListsEveryKey() throws {
        let table = try String(contentsOf: Self.repository.appendingPathComponent("docs/configuration.md"), encoding: .utf8)
        for key in SettingsCatalog.keys {
            #expect(table.contains("| `\(key.path)` | `\(key.defaultValue.text.isEmpty ? "none" : key.defaultValue.text)` |"), "\(key.path) missing or stale in docs/configuration.md")
        }
    }

    @Test("Every key has a summary, an environment variable and a default of its own kind")
    func catalogIsComplete() throws {
        var paths: Set<String> = []
        for key in SettingsCatalog.keys {
            #expect(paths.insert(key.path).inserted, "\(key.path) listed twice")
            #expect(!key.summary.isEmpty)
            #expect(key.environmentVariable.hasPrefix("SALIENCE_"))
            let text = key.defaultValue.text
            let raw: RawSettingValue = .scalar(text, quoted: false)
            if case .text(allowEmpty: true) = key.kind {} else {
                #expect(key.kind.parse(raw) == key.defaultValue, "\(key.path): default \(text) does not read back")
            }
        }
    }
}
