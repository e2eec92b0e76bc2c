/// Salience's own version, shown by `salience --version` and in the
/// `salience_build_info` gauge.
public enum SalienceVersion {
    /// The release this source tree is (semantic versioning).
    public static let current = "0.3.0"
}
