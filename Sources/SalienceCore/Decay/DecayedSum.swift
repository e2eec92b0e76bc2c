/// One forward-decayed sum: a decayed count or total in event time.
public struct DecayedSum: Sendable, Equatable {
    public private(set) var decay: ForwardDecay
    private var sum: Double = 0

    public init(halfLife: Duration?) {
        decay = ForwardDecay(halfLife: halfLife)
    }

    /// Adds `amount` for an event at `time`.
    public mutating func add(_ amount: Double, at time: Double) {
        let factor = decay.prepare(for: time)
        if factor != 1 { sum *= factor }
        sum += amount * decay.weight(at: time)
    }

    /// The decayed sum read at `time`.
    public func value(at time: Double) -> Double {
        sum * decay.normalizer(at: time)
    }
}

extension DecayedSum: BinaryCodable {
    public func encode(to writer: inout BinaryWriter) {
        decay.encode(to: &writer)
        writer.write(sum)
    }

    public init(from reader: inout BinaryReader) throws {
        decay = try ForwardDecay(from: &reader)
        sum = try reader.read(Double.self)
    }
}

/// A forward-decayed weighted mean: recent values count more. The decay
/// normalisers of numerator and denominator cancel, so reading needs no time.
/// Numerator and denominator share one decay, so an update computes the
/// decay factor once.
public struct DecayedMean: Sendable, Equatable {
    private var decay: ForwardDecay
    private var total = 0.0
    private var weight = 0.0

    public init(halfLife: Duration?) {
        decay = ForwardDecay(halfLife: halfLife)
    }

    /// Adds a value observed at `time`.
    public mutating func add(_ value: Double, at time: Double) {
        var shared = SharedDecay()
        add(value, at: time, sharing: &shared)
    }

    /// ``add(_:at:)``, taking the decay weight from `shared` when a mean of
    /// the same decay computed it for the same time.
    public mutating func add(_ value: Double, at time: Double, sharing shared: inout SharedDecay) {
        let factor = decay.prepare(for: time)
        if factor != 1 {
            total *= factor
            weight *= factor
        }
        let decayWeight = shared.weight(of: decay, at: time)
        total += value * decayWeight
        weight += decayWeight
    }

    /// The mean, or `nil` before the first value.
    public var mean: Double? {
        weight > 0 ? total / weight : nil
    }
}

extension DecayedMean: BinaryCodable {
    /// Numerator and denominator each as a ``DecayedSum`` (the decay written twice).
    public func encode(to writer: inout BinaryWriter) {
        decay.encode(to: &writer)
        writer.write(total)
        decay.encode(to: &writer)
        writer.write(weight)
    }

    public init(from reader: inout BinaryReader) throws {
        decay = try ForwardDecay(from: &reader)
        total = try reader.read(Double.self)
        let weightDecay = try ForwardDecay(from: &reader)
        weight = try reader.read(Double.self)
        guard weightDecay == decay else {
            throw StateDecodingError(.malformed, "a decayed mean's numerator and denominator decay differently")
        }
    }
}
