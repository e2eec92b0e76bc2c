import ArgumentParser
import SalienceConfiguration

/// `salience config`: check, print and document the configuration.
struct ConfigCommand: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "config",
        abstract: "Check a configuration file, print the effective configuration, or print its JSON schema.",
        subcommands: [ConfigCheck.self, ConfigPrint.self, ConfigSchema.self]
    )
}

/// `salience config check FILE`.
struct ConfigCheck: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "check",
        abstract: "Check a YAML configuration file: every key known, every value of the right form and range, librdkafka properties accepted by librdkafka.",
        discussion: "Exits 0 when valid, 1 listing every problem (file:line:column, key path, value, what was expected). Secrets are never printed."
    )

    @Argument(help: "The YAML file.")
    var file: String

    @Flag(name: .long, help: "Also apply SALIENCE_… environment variables, as `salience run` would.")
    var environment = false

    func run() throws {
        let loader = SettingsLoader(file: file, environment: environment ? SettingsLoader().environment : [:])
        do {
            let loaded = try loader.load()
            let fromFile = loaded.sources.values.filter { if case .file = $0 { true } else { false } }.count
            print("\(file): valid (\(fromFile) settings from the file, \(loaded.settings.pipeline.kafka.properties.count) librdkafka properties)")
        } catch {
            print("\(file): \(error)")
            throw ExitCode.failure
        }
    }
}

/// `salience config print`.
struct ConfigPrint: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "print",
        abstract: "Print the effective configuration as YAML, each value with where it came from.",
        discussion: "Secrets (passwords, keys, tokens, JAAS and OAuth settings) are never printed: with --redacted they show as <redacted>; without it, a configuration holding secrets is refused."
    )

    @OptionGroup var settings: SettingsOptions

    @Flag(name: .long, help: "Replace secret values with <redacted>.")
    var redacted = false

    func run() throws {
        let loaded = try settings.load()
        let secrets = SettingsReport.secrets(in: loaded)
        guard redacted || secrets.isEmpty else {
            print("this configuration holds secrets (\(secrets.joined(separator: ", "))); pass --redacted to print it with them masked")
            throw ExitCode.failure
        }
        print(SettingsReport.yaml(loaded), terminator: "")
    }
}

/// `salience config schema`.
struct ConfigSchema: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "schema",
        abstract: "Print the JSON schema of the configuration file (Schemas/config.schema.json)."
    )

    func run() {
        print(SettingsSchema.json(), terminator: "")
    }
}
