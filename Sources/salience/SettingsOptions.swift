import ArgumentParser
import Logging
import SalienceConfiguration
import SalienceOperations

/// The configuration file, `--set` overrides and log flags shared by the
/// commands that read settings (run, replay, inspect checkpoint, config).
struct SettingsOptions: ParsableArguments {
    @Option(name: .long, help: "A YAML configuration file (Schemas/config.schema.json); default: $SALIENCE_CONFIG, else none (built-in defaults).")
    var config: String?

    @Option(name: .customLong("set"), help: ArgumentHelp("Set any key, e.g. --set estimator.features.bits=22 (repeatable; wins over the file and the environment; default: none).", valueName: "key=value"))
    var assignments: [String] = []

    @Option(name: .long, help: "trace, debug, info, notice, warning, error or critical (log.level; default: info).")
    var logLevel: String?

    @Option(name: .long, help: "text or json (log.format; default: text).")
    var logFormat: String?

    func validate() throws {
        for assignment in assignments where !assignment.contains("=") {
            throw ValidationError("--set expects key=value, got '\(assignment)'")
        }
    }

    /// Loads defaults, the file, `SALIENCE_…` variables, then `flags`, then `--set`.
    ///
    /// - Throws: ``ConfigurationError`` naming every bad key and value.
    func load(flags: [SettingInput] = []) throws -> SettingsLoader.Loaded {
        var inputs = flags
        if let logLevel { inputs.append(.flag("--log-level", path: "log.level", logLevel)) }
        if let logFormat { inputs.append(.flag("--log-format", path: "log.format", logFormat)) }
        for assignment in assignments {
            let parts = assignment.split(separator: "=", maxSplits: 1, omittingEmptySubsequences: false)
            let path = String(parts[0])
            inputs.append(.flag("--set \(path)", path: path, String(parts[1])))
        }
        return try SettingsLoader(file: config, flags: inputs).load()
    }
}

extension SettingsLoader.Loaded {
    /// Bootstraps logging from these settings; call before making loggers.
    func bootstrapLogging() {
        LoggingSystem.bootstrap(settings.logging)
    }
}
