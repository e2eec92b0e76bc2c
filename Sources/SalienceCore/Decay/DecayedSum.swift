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

    /// The sum relative to the landmark, for ratios of sums with one decay.
    var storedSum: Double { sum }
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
public struct DecayedMean: Sendable, Equatable {
    private var total: DecayedSum
    private var weight: DecayedSum

    public init(halfLife: Duration?) {
        total = DecayedSum(halfLife: halfLife)
        weight = DecayedSum(halfLife: halfLife)
    }

    /// Adds a value observed at `time`.
    public mutating func add(_ value: Double, at time: Double) {
        total.add(value, at: time)
        weight.add(1, at: time)
    }

    /// The mean, or `nil` before the first value.
    public var mean: Double? {
        let denominator = weight.storedSum
        return denominator > 0 ? total.storedSum / denominator : nil
    }
}

extension DecayedMean: BinaryCodable {
    public func encode(to writer: inout BinaryWriter) {
        total.encode(to: &writer)
        weight.encode(to: &writer)
    }

    public init(from reader: inout BinaryReader) throws {
        total = try DecayedSum(from: &reader)
        weight = try DecayedSum(from: &reader)
    }
}
