/// One event's decay values, computed once and reused by every decayed
/// statistic whose decay is equal (same rate and landmark): the estimator's
/// three sketches share one half-life, its four normalising means another.
/// A reused value is the one computing it again would give, bit for bit.
public struct SharedDecay: Sendable {
    private var weightKey: (decay: ForwardDecay, time: Double)?
    private var weight = 0.0
    private var normalizerKey: (decay: ForwardDecay, time: Double)?
    private var normalizer = 0.0

    public init() {}

    /// `decay.weight(at: time)`.
    public mutating func weight(of decay: ForwardDecay, at time: Double) -> Double {
        if let key = weightKey, key.time == time, key.decay == decay { return weight }
        weight = decay.weight(at: time)
        weightKey = (decay, time)
        return weight
    }

    /// `decay.normalizer(at: time)`.
    public mutating func normalizer(of decay: ForwardDecay, at time: Double) -> Double {
        if let key = normalizerKey, key.time == time, key.decay == decay { return normalizer }
        normalizer = decay.normalizer(at: time)
        normalizerKey = (decay, time)
        return normalizer
    }
}
