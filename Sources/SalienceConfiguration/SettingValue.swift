import Foundation
import SalienceCore

/// A setting's value once read and checked against its ``SettingKind``.
public enum SettingValue: Sendable, Equatable {
    case integer(Int)
    case number(Double)
    case boolean(Bool)
    case text(String)
    case list([String])
    /// `nil` is `none` (an optional duration turned off).
    case duration(Duration?)
    case seed(UInt64)

    /// The value as it would be written in the configuration file.
    public var text: String {
        switch self {
        case .integer(let value): String(value)
        case .number(let value):
            value == value.rounded() && abs(value) < 1e15 ? String(Int64(value)) : String(value)
        case .boolean(let value): String(value)
        case .text(let value): value
        case .list(let values): values.joined(separator: ",")
        case .duration(let value): value.map(Self.durationText) ?? "none"
        case .seed(let value): "0x" + String(value, radix: 16, uppercase: true)
        }
    }

    static let durationUnits: [(suffix: String, milliseconds: Int64)] = [
        ("d", 86_400_000), ("h", 3_600_000), ("m", 60_000), ("s", 1000), ("ms", 1),
    ]

    /// The largest unit that expresses the duration exactly: `6h`, `90s`, `250ms`.
    static func durationText(_ duration: Duration) -> String {
        let milliseconds = duration.milliseconds
        if milliseconds == 0 { return "0s" }
        for unit in durationUnits where milliseconds % unit.milliseconds == 0 {
            return "\(milliseconds / unit.milliseconds)\(unit.suffix)"
        }
        return "\(milliseconds)ms"
    }
}

/// A value as it arrived, before it is checked: a scalar (quoted or not, as
/// YAML says) or a sequence.
public enum RawSettingValue: Sendable, Equatable {
    case scalar(String, quoted: Bool)
    case sequence([String])
}

extension SettingKind {
    /// Reads a raw value; `nil` when it does not have this kind's form or range.
    /// Text from environment variables and flags arrives unquoted, so only
    /// YAML can tell the string `"20"` from the integer `20`.
    public func parse(_ raw: RawSettingValue) -> SettingValue? {
        switch (self, raw) {
        case (.list(let choices), .sequence(let items)):
            return Self.list(items, choices: choices)
        case (.list(let choices), .scalar(let text, _)):
            return Self.list(text.split(separator: ",").map { $0.trimmingCharacters(in: .whitespaces) }, choices: choices)
        case (_, .sequence):
            return nil
        case (.text(let allowEmpty), .scalar(let text, _)):
            return allowEmpty || !text.isEmpty ? .text(text) : nil
        case (.choice(let choices), .scalar(let text, _)):
            return choices.contains(text) ? .text(text) : nil
        case (_, .scalar(_, quoted: true)):
            return nil
        case (.integer(let range), .scalar(let text, _)):
            guard let value = Int(text.replacingOccurrences(of: "_", with: "")), range.contains(value) else { return nil }
            return .integer(value)
        case (.number(let bounds), .scalar(let text, _)):
            guard let value = Double(text), bounds.contains(value) else { return nil }
            return .number(value)
        case (.boolean, .scalar(let text, _)):
            // YAML 1.2's core schema: yes/no/on/off are strings, so they are refused here from every source.
            switch text.lowercased() {
            case "true": return .boolean(true)
            case "false": return .boolean(false)
            default: return nil
            }
        case (.duration(let optional, let allowsZero), .scalar(let text, _)):
            if text == "none" { return optional ? .duration(nil) : nil }
            guard let duration = Self.duration(text), duration > .zero || allowsZero else { return nil }
            return .duration(duration)
        case (.seed, .scalar(let text, _)):
            let digits = text.replacingOccurrences(of: "_", with: "")
            let value = digits.lowercased().hasPrefix("0x") ? UInt64(digits.dropFirst(2), radix: 16) : UInt64(digits)
            return value.map { .seed($0) }
        }
    }

    private static func list(_ items: [String], choices: [String]?) -> SettingValue? {
        guard !items.isEmpty, !items.contains(where: \.isEmpty) else { return nil }
        if let choices, !items.allSatisfy(choices.contains) { return nil }
        return .list(items)
    }

    /// `<number><unit>` with unit ms, s, m, h or d, whole milliseconds, not negative.
    private static func duration(_ text: String) -> Duration? {
        for unit in SettingValue.durationUnits.sorted(by: { $0.suffix.count > $1.suffix.count }) where text.hasSuffix(unit.suffix) {
            guard let amount = Double(text.dropLast(unit.suffix.count)), amount.isFinite, amount >= 0 else { return nil }
            let milliseconds = amount * Double(unit.milliseconds)
            guard milliseconds < 1e15 else { return nil }
            return .milliseconds(Int64(milliseconds.rounded()))
        }
        return nil
    }
}
