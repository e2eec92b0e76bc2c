/// One documented setting: its key path in the file, its form, what it
/// does, and how it reads and writes ``SalienceSettings``.
public struct SettingKey {
    /// Dotted path, e.g. `estimator.features.bits`.
    public let path: String
    public let kind: SettingKind
    /// One sentence for `config print`, the schema and the README.
    public let summary: String
    let read: (SalienceSettings) -> SettingValue
    let write: (inout SalienceSettings, SettingValue) -> Void

    init(
        _ path: String, _ kind: SettingKind, _ summary: String,
        get: @escaping (SalienceSettings) -> SettingValue,
        set: @escaping (inout SalienceSettings, SettingValue) -> Void
    ) {
        self.path = path
        self.kind = kind
        self.summary = summary
        self.read = get
        self.write = set
    }

    /// The environment variable that sets this key: `SALIENCE_` and the path
    /// in capitals with dots as underscores.
    public var environmentVariable: String {
        "SALIENCE_" + path.uppercased().replacingOccurrences(of: ".", with: "_")
    }

    /// The value under default settings.
    public var defaultValue: SettingValue { read(SalienceSettings()) }
}

extension SettingKey {
    static func integer(_ path: String, _ keyPath: WritableKeyPath<SalienceSettings, Int>, _ range: ClosedRange<Int>, _ summary: String) -> SettingKey {
        SettingKey(path, .integer(range), summary, get: { .integer($0[keyPath: keyPath]) }) { settings, value in
            if case .integer(let integer) = value { settings[keyPath: keyPath] = integer }
        }
    }

    static func number(_ path: String, _ keyPath: WritableKeyPath<SalienceSettings, Double>, _ bounds: NumberBounds, _ summary: String) -> SettingKey {
        SettingKey(path, .number(bounds), summary, get: { .number($0[keyPath: keyPath]) }) { settings, value in
            if case .number(let number) = value { settings[keyPath: keyPath] = number }
        }
    }

    static func boolean(_ path: String, _ keyPath: WritableKeyPath<SalienceSettings, Bool>, _ summary: String) -> SettingKey {
        SettingKey(path, .boolean, summary, get: { .boolean($0[keyPath: keyPath]) }) { settings, value in
            if case .boolean(let flag) = value { settings[keyPath: keyPath] = flag }
        }
    }

    static func text(_ path: String, _ keyPath: WritableKeyPath<SalienceSettings, String>, _ summary: String) -> SettingKey {
        SettingKey(path, .text(allowEmpty: false), summary, get: { .text($0[keyPath: keyPath]) }) { settings, value in
            if case .text(let text) = value { settings[keyPath: keyPath] = text }
        }
    }

    /// Text that may be empty, which stands for `nil` (none).
    static func optionalText(_ path: String, _ keyPath: WritableKeyPath<SalienceSettings, String?>, _ summary: String) -> SettingKey {
        SettingKey(path, .text(allowEmpty: true), summary, get: { .text($0[keyPath: keyPath] ?? "") }) { settings, value in
            if case .text(let text) = value { settings[keyPath: keyPath] = text.isEmpty ? nil : text }
        }
    }

    static func list(_ path: String, _ keyPath: WritableKeyPath<SalienceSettings, [String]>, _ summary: String) -> SettingKey {
        SettingKey(path, .list(choices: nil), summary, get: { .list($0[keyPath: keyPath]) }) { settings, value in
            if case .list(let items) = value { settings[keyPath: keyPath] = items }
        }
    }

    static func duration(
        _ path: String, _ keyPath: WritableKeyPath<SalienceSettings, Duration>, allowsZero: Bool = false, _ summary: String
    ) -> SettingKey {
        SettingKey(path, .duration(allowsZero: allowsZero), summary, get: { .duration($0[keyPath: keyPath]) }) { settings, value in
            if case .duration(let duration?) = value { settings[keyPath: keyPath] = duration }
        }
    }

    static func optionalDuration(_ path: String, _ keyPath: WritableKeyPath<SalienceSettings, Duration?>, _ summary: String) -> SettingKey {
        SettingKey(path, .duration(optional: true), summary, get: { .duration($0[keyPath: keyPath]) }) { settings, value in
            if case .duration(let duration) = value { settings[keyPath: keyPath] = duration }
        }
    }

    static func seed(_ path: String, _ keyPath: WritableKeyPath<SalienceSettings, UInt64>, _ summary: String) -> SettingKey {
        SettingKey(path, .seed, summary, get: { .seed($0[keyPath: keyPath]) }) { settings, value in
            if case .seed(let seed) = value { settings[keyPath: keyPath] = seed }
        }
    }

    /// A setting whose values are a `RawRepresentable` enum's raw strings.
    static func choice<Value: RawRepresentable & CaseIterable>(
        _ path: String, _ keyPath: WritableKeyPath<SalienceSettings, Value>, _ summary: String
    ) -> SettingKey where Value.RawValue == String {
        SettingKey(path, .choice(Value.allCases.map(\.rawValue)), summary, get: { .text($0[keyPath: keyPath].rawValue) }) { settings, value in
            if case .text(let text) = value, let choice = Value(rawValue: text) { settings[keyPath: keyPath] = choice }
        }
    }
}
