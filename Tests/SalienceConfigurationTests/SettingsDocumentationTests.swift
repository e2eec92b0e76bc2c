import Foundation
import SalienceConfiguration
import Testing

@Suite("Settings: schema and README")
struct SettingsDocumentationTests {
    static let repository = URL(fileURLWithPath: #filePath).deletingLastPathComponent().deletingLastPathComponent().deletingLastPathComponent()

    @Test("Schemas/config.schema.json is what `salience config schema` generates")
    func schemaIsCurrent() throws {
        let committed = try String(contentsOf: Self.repository.appendingPathComponent("Schemas/config.schema.json"), encoding: .utf8)
        #expect(committed == SettingsSchema.json(), "regenerate with: salience config schema > Schemas/config.schema.json")
    }

    /// The README's YAML examples: fenced ```yaml blocks whose first line is `# salience.yaml`.
    static func readmeExamples() throws -> [String] {
        let readme = try String(contentsOf: repository.appendingPathComponent("README.md"), encoding: .utf8)
        return readme.components(separatedBy: "```yaml\n").dropFirst().compactMap { block in
            let body = block.components(separatedBy: "\n```").first ?? ""
            return body.hasPrefix("# salience.yaml") ? body : nil
        }
    }

    @Test("Every configuration example in the README loads")
    func readmeExamplesLoad() throws {
        let examples = try Self.readmeExamples()
        #expect(examples.count >= 2)
        for example in examples {
            let path = try SettingsLoaderTests.file(example)
            #expect(throws: Never.self) { _ = try SettingsLoader(file: path, environment: [:]).load() }
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
