/// Where a setting's effective value came from.
public enum SettingSource: Sendable, Equatable, CustomStringConvertible {
    case defaultValue
    /// A line of the configuration file (1-based line and column).
    case file(path: String, line: Int, column: Int)
    case environment(variable: String)
    /// A command-line flag, as typed (`--group`, `--set estimator.features.bits`).
    case flag(String)

    public var description: String {
        switch self {
        case .defaultValue: "default"
        case .file(let path, let line, let column): "\(path):\(line):\(column)"
        case .environment(let variable): "env \(variable)"
        case .flag(let flag): "flag \(flag)"
        }
    }
}

/// One value for one key path, not yet checked.
public struct SettingInput: Sendable, Equatable {
    public var path: String
    public var value: RawSettingValue
    public var source: SettingSource

    public init(path: String, value: RawSettingValue, source: SettingSource) {
        self.path = path
        self.value = value
        self.source = source
    }

    /// A value typed on the command line, `--set path=value` or a named flag.
    public static func flag(_ flag: String, path: String, _ text: String) -> SettingInput {
        SettingInput(path: path, value: .scalar(text, quoted: false), source: .flag(flag))
    }
}
