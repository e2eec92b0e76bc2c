extension Duration {
    /// The duration in seconds, fractions included.
    public var totalSeconds: Double {
        Double(components.seconds) + Double(components.attoseconds) * 1e-18
    }
}
