import Yams

/// Reads a YAML configuration file into one ``SettingInput`` per leaf, with
/// dotted paths and line numbers. Nested mappings under `kafka:` flatten
/// into dotted librdkafka property names (`sasl: {mechanism: PLAIN}` is
/// `sasl.mechanism`).
enum YAMLSettingsReader {
    static func read(_ text: String, path: String) -> (inputs: [SettingInput], problems: [ConfigurationError.Problem]) {
        let root: Node?
        do {
            root = try Yams.compose(yaml: text)
        } catch {
            return ([], [ConfigurationError.Problem(path: "", source: .file(path: path, line: 1, column: 1), message: "not valid YAML: \(error)")])
        }
        guard let root else { return ([], []) }
        var reader = Walk(file: path)
        reader.visit(root, path: [], key: nil)
        return (reader.inputs, reader.problems)
    }

    private struct Walk {
        let file: String
        var inputs: [SettingInput] = []
        var problems: [ConfigurationError.Problem] = []

        func source(of node: Node) -> SettingSource {
            .file(path: file, line: node.mark?.line ?? 1, column: node.mark?.column ?? 1)
        }

        /// `key` is the mapping key that holds `node`; positions point at it.
        mutating func visit(_ node: Node, path: [String], key: Node?) {
            let dotted = path.joined(separator: ".")
            switch node {
            case .mapping(let mapping):
                guard path.isEmpty || SettingsCatalog.sections.contains(dotted) || path.first == SettingsCatalog.kafkaSection else {
                    problems.append(SettingsLoader.problem(mappingAt: dotted, source: source(of: key ?? node)))
                    return
                }
                var seen: Set<String> = []
                for (key, value) in mapping {
                    guard case .scalar(let scalar) = key, !scalar.string.isEmpty else {
                        problems.append(.init(path: dotted, source: source(of: key), message: "keys must be plain names"))
                        continue
                    }
                    let child = path + [scalar.string]
                    if !seen.insert(scalar.string).inserted {
                        problems.append(.init(path: child.joined(separator: "."), source: source(of: key), message: "given twice"))
                        continue
                    }
                    visit(value, path: child, key: key)
                }
            case .sequence(let sequence):
                var items: [String] = []
                for item in sequence {
                    guard case .scalar(let scalar) = item else {
                        problems.append(.init(path: dotted, source: source(of: item), message: "list items must be single values"))
                        return
                    }
                    items.append(scalar.string)
                }
                inputs.append(SettingInput(path: dotted, value: .sequence(items), source: source(of: key ?? node)))
            case .scalar(let scalar):
                if path.isEmpty {
                    problems.append(.init(path: "", source: source(of: node), message: "expected a mapping of settings at the top level"))
                    return
                }
                let quoted = scalar.style == .singleQuoted || scalar.style == .doubleQuoted
                let isNull = !quoted && ["", "~", "null", "Null", "NULL"].contains(scalar.string)
                inputs.append(SettingInput(path: dotted, value: .scalar(isNull ? "" : scalar.string, quoted: quoted || isNull), source: source(of: key ?? node)))
            case .alias:
                problems.append(.init(path: dotted, source: source(of: node), message: "YAML aliases are not supported; write the value out"))
            }
        }
    }
}
