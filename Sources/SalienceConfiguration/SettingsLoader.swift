import Foundation
import SalienceKafka

/// Builds ``SalienceSettings`` from defaults, a YAML file, `SALIENCE_…`
/// environment variables and flags, each overriding the one before, and
/// refuses the whole configuration, naming every problem, when any value
/// is unknown, of the wrong type or out of range.
public struct SettingsLoader {
    /// Environment variables that are not settings: the configuration file
    /// path and the test data folder.
    public static let reservedVariables: Set<String> = ["SALIENCE_CONFIG", "SALIENCE_SHARED_DATA"]

    /// The effective settings and where each value came from.
    public struct Loaded: Sendable {
        public var settings: SalienceSettings
        /// Source per key path (librdkafka properties as `kafka.<property>`);
        /// keys left at their default are absent.
        public var sources: [String: SettingSource]
        /// The configuration file read, if any.
        public var file: String?
    }

    public var file: String?
    public var environment: [String: String]
    public var flags: [SettingInput]

    /// - Parameters:
    ///   - file: A YAML file; when `nil`, `SALIENCE_CONFIG` names one if set.
    ///   - environment: Usually `ProcessInfo.processInfo.environment`; only `SALIENCE_…` variables are read.
    ///   - flags: Values from the command line, applied last.
    public init(file: String? = nil, environment: [String: String] = ProcessInfo.processInfo.environment, flags: [SettingInput] = []) {
        self.file = file ?? environment["SALIENCE_CONFIG"]
        self.environment = environment
        self.flags = flags
    }

    /// - Throws: ``ConfigurationError`` listing every problem.
    public func load() throws(ConfigurationError) -> Loaded {
        var problems: [ConfigurationError.Problem] = []
        var inputs: [SettingInput] = []
        if let file {
            var isDirectory: ObjCBool = false
            if !FileManager.default.fileExists(atPath: file, isDirectory: &isDirectory) {
                problems.append(.init(path: "", source: nil, message: "no such configuration file: \(file)"))
            } else if isDirectory.boolValue {
                problems.append(.init(path: "", source: nil, message: "the configuration file \(file) is a directory"))
            } else if let data = FileManager.default.contents(atPath: file) {
                let text = String(decoding: data, as: UTF8.self)
                let read = YAMLSettingsReader.read(text, path: file)
                inputs += read.inputs
                problems += read.problems
            } else {
                problems.append(.init(path: "", source: nil, message: "cannot read the configuration file \(file): permission denied"))
            }
        }
        let fromEnvironment = Self.inputs(fromEnvironment: environment)
        inputs += fromEnvironment.inputs
        problems += fromEnvironment.problems
        inputs += flags

        var values: [String: (value: SettingValue, source: SettingSource)] = [:]
        var properties: [String: (value: String, source: SettingSource)] = [:]
        for input in inputs {
            if let key = SettingsCatalog.key(input.path) {
                guard let value = key.kind.parse(input.value) else {
                    problems.append(.init(path: input.path, source: input.source, message: "got \(Self.shown(input.value)), expected \(key.kind.expectation)"))
                    continue
                }
                values[input.path] = (value, input.source)
            } else if input.path.hasPrefix(SettingsCatalog.kafkaSection + "."), input.path.count > SettingsCatalog.kafkaSection.count + 1 {
                guard case .scalar(let text, _) = input.value else {
                    problems.append(.init(path: input.path, source: input.source, message: "a librdkafka property takes a single value, not a list"))
                    continue
                }
                properties[String(input.path.dropFirst(SettingsCatalog.kafkaSection.count + 1))] = (text, input.source)
            } else if SettingsCatalog.sections.contains(input.path) {
                problems.append(.init(path: input.path, source: input.source, message: "is a section; expected a mapping of its keys"))
            } else {
                problems.append(Self.problem(unknown: input.path, source: input.source))
            }
        }
        problems += Self.pairProblems(values)

        var settings = SalienceSettings()
        for key in SettingsCatalog.keys {
            if let entry = values[key.path] { key.write(&settings, entry.value) }
        }
        settings.pipeline.kafka.properties = properties.mapValues(\.value)
        do {
            try settings.pipeline.kafka.validate()
        } catch let error as KafkaError {
            problems.append(.init(path: SettingsCatalog.kafkaSection, source: nil, message: error.message))
        } catch {
            problems.append(.init(path: SettingsCatalog.kafkaSection, source: nil, message: "\(error)"))
        }
        for message in settings.pipeline.validationErrors() {
            problems.append(.init(path: "", source: nil, message: message))
        }
        guard problems.isEmpty else { throw ConfigurationError(Self.inReadingOrder(problems)) }

        var sources = values.mapValues(\.source)
        for (property, entry) in properties { sources["\(SettingsCatalog.kafkaSection).\(property)"] = entry.source }
        return Loaded(settings: settings, sources: sources, file: file)
    }

    // MARK: Environment

    /// `SALIENCE_<PATH>` for every key; `SALIENCE_KAFKA_<PROPERTY>` with
    /// underscores read as dots for librdkafka properties.
    static func inputs(fromEnvironment environment: [String: String]) -> (inputs: [SettingInput], problems: [ConfigurationError.Problem]) {
        let byVariable = Dictionary(uniqueKeysWithValues: SettingsCatalog.keys.map { ($0.environmentVariable, $0.path) })
        let kafkaPrefix = "SALIENCE_KAFKA_"
        var inputs: [SettingInput] = []
        var problems: [ConfigurationError.Problem] = []
        for (variable, value) in environment.sorted(by: { $0.key < $1.key }) where variable.hasPrefix("SALIENCE_") {
            guard !reservedVariables.contains(variable) else { continue }
            let source = SettingSource.environment(variable: variable)
            if let path = byVariable[variable] {
                inputs.append(SettingInput(path: path, value: .scalar(value, quoted: false), source: source))
            } else if variable.hasPrefix(kafkaPrefix), variable.count > kafkaPrefix.count {
                let property = variable.dropFirst(kafkaPrefix.count).lowercased().replacingOccurrences(of: "_", with: ".")
                inputs.append(SettingInput(path: "\(SettingsCatalog.kafkaSection).\(property)", value: .scalar(value, quoted: false), source: source))
            } else {
                let suggestion = KeySuggestion.nearest(to: variable, among: byVariable.keys.sorted())
                problems.append(.init(
                    path: "", source: source,
                    message: "not a setting" + (suggestion.map { "; did you mean \($0)?" } ?? "") + " (settings are listed by `salience config print`)"
                ))
            }
        }
        return (inputs, problems)
    }

    // MARK: Problems

    static func problem(unknown path: String, source: SettingSource) -> ConfigurationError.Problem {
        let candidates = SettingsCatalog.keys.map(\.path) + SettingsCatalog.sections
        let suggestion = KeySuggestion.nearest(to: path, among: candidates.sorted())
        return .init(path: path, source: source, message: "unknown key" + (suggestion.map { "; did you mean '\($0)'?" } ?? ""))
    }

    static func problem(mappingAt path: String, source: SettingSource) -> ConfigurationError.Problem {
        guard let key = SettingsCatalog.key(path) else { return problem(unknown: path, source: source) }
        return .init(path: path, source: source, message: "got a mapping, expected \(key.kind.expectation)")
    }

    /// Pairs of keys that bound a range must not cross.
    private static func pairProblems(_ values: [String: (value: SettingValue, source: SettingSource)]) -> [ConfigurationError.Problem] {
        let (lowPath, highPath) = ("estimator.objective_min", "estimator.objective_max")
        func number(_ path: String) -> Double? {
            guard case .number(let number) = values[path]?.value ?? SettingsCatalog.key(path)?.defaultValue else { return nil }
            return number
        }
        guard let low = number(lowPath), let high = number(highPath), low > high else { return [] }
        return [.init(path: lowPath, source: values[lowPath]?.source ?? values[highPath]?.source,
                      message: "\(SettingValue.number(low).text) is above \(highPath) (\(SettingValue.number(high).text)); expected min ≤ max")]
    }

    /// File problems by line and column, then environment, then flags, then the rest.
    private static func inReadingOrder(_ problems: [ConfigurationError.Problem]) -> [ConfigurationError.Problem] {
        func rank(_ problem: ConfigurationError.Problem) -> (Int, Int, Int) {
            switch problem.source {
            case .file(_, let line, let column): (0, line, column)
            case .environment: (1, 0, 0)
            case .flag: (2, 0, 0)
            case .defaultValue, nil: (3, 0, 0)
            }
        }
        return problems.enumerated().sorted { rank($0.element) < rank($1.element) || (rank($0.element) == rank($1.element) && $0.offset < $1.offset) }.map(\.element)
    }

    private static func shown(_ raw: RawSettingValue) -> String {
        switch raw {
        case .scalar("", _): "an empty value"
        case .scalar(let text, quoted: true): "the string \"\(text)\""
        case .scalar(let text, quoted: false): text
        case .sequence(let items): "the list [\(items.joined(separator: ", "))]"
        }
    }
}
