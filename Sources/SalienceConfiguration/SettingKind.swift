/// The form a setting's value takes, how it is read from text and YAML, and
/// how it is described in errors and in the JSON schema.
public enum SettingKind: Sendable {
    /// A whole number within the range.
    case integer(ClosedRange<Int>)
    /// A finite number within the bounds.
    case number(NumberBounds)
    case boolean
    /// Free text; empty only when allowed.
    case text(allowEmpty: Bool)
    /// One of the listed words.
    case choice([String])
    /// A list (a YAML sequence, or comma-separated text) of free text, or of
    /// the listed words when `choices` is given. Never empty.
    case list(choices: [String]?)
    /// A duration such as `500ms`, `30s`, `15m`, `6h`, `1d`, greater than zero
    /// unless `allowsZero`; `none` too when optional.
    case duration(optional: Bool = false, allowsZero: Bool = false)
    /// A 64-bit seed, decimal or `0x` hexadecimal.
    case seed

    /// What a valid value looks like, for error messages.
    public var expectation: String {
        switch self {
        case .integer(let range): "an integer in \(range.lowerBound)...\(range.upperBound)"
        case .number(let bounds): "a number in \(bounds)"
        case .boolean: "true or false"
        case .text(let allowEmpty): allowEmpty ? "text" : "non-empty text"
        case .choice(let choices): "one of \(choices.joined(separator: ", "))"
        case .list(let choices):
            choices.map { "a list of one or more of \($0.joined(separator: ", "))" } ?? "a list of one or more names"
        case .duration(let optional, let allowsZero):
            "a duration like 500ms, 30s, 15m, 6h or 1d\(allowsZero ? " (0s allowed)" : "")\(optional ? ", or none" : "")"
        case .seed: "an unsigned 64-bit integer (decimal or 0x hexadecimal)"
        }
    }
}

/// Lower and upper bounds of a number setting, each open or closed.
public struct NumberBounds: Sendable, CustomStringConvertible {
    public var minimum: Double
    public var minimumIncluded: Bool
    public var maximum: Double
    public var maximumIncluded: Bool

    /// `[min, max]`, `(min, max]` and so on.
    public init(_ minimum: Double, included minimumIncluded: Bool = true, _ maximum: Double = .infinity, included maximumIncluded: Bool = true) {
        self.minimum = minimum
        self.minimumIncluded = minimumIncluded
        self.maximum = maximum
        self.maximumIncluded = maximumIncluded && maximum.isFinite
    }

    public func contains(_ value: Double) -> Bool {
        value.isFinite
            && (minimumIncluded ? value >= minimum : value > minimum)
            && (maximumIncluded ? value <= maximum : value < maximum)
    }

    public var description: String {
        let upper = maximum.isFinite ? SettingValue.number(maximum).text : "∞"
        return "\(minimumIncluded ? "[" : "(")\(SettingValue.number(minimum).text), \(upper)\(maximumIncluded ? "]" : ")")"
    }
}
