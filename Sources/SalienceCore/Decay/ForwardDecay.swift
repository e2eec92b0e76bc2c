import Foundation

/// Forward exponential decay in event time (Cormode, Shkapenyuk, Srivastava &
/// Xu, ICDE 2009).
///
/// An event at time `t` adds `exp(λ(t − L))` for a landmark `L`; a sum is read
/// at time `T` by multiplying it with `exp(−λ(T − L))`. Sums are then
/// independent of arrival order. Before an exponent grows past
/// ``rescaleExponent`` the landmark moves forward and every stored sum is
/// multiplied by the factor ``prepare(for:)`` returns, so decades of event time
/// at short half-lives neither overflow nor lose precision.
public struct ForwardDecay: Sendable, Equatable {
    /// Exponents above this move the landmark (`e^256` ≈ 1.5e111 leaves room for
    /// 10^190 events' worth of sums below `Double.greatestFiniteMagnitude`).
    public static let rescaleExponent = 256.0

    /// The decay rate per second: `ln 2 / half-life`, or 0 for no decay.
    public let lambda: Double
    /// Seconds since the epoch; set by the first event.
    public private(set) var landmark: Double
    private var started: Bool

    /// A decay with the given half-life, or none when `halfLife` is `nil`.
    public init(halfLife: Duration?) {
        if let halfLife {
            let seconds = halfLife.totalSeconds
            precondition(seconds > 0, "a half-life must be positive")
            lambda = M_LN2 / seconds
        } else {
            lambda = 0
        }
        landmark = 0
        started = false
    }

    /// Makes `time` representable: returns the factor every stored sum must be
    /// multiplied with (1 when the landmark stays).
    public mutating func prepare(for time: Double) -> Double {
        if !started {
            setLandmark(time)
            return 1
        }
        let exponent = lambda * (time - landmark)
        guard exponent > Self.rescaleExponent else { return 1 }
        let factor = PortableMath.exp(-exponent)
        setLandmark(time)
        return factor
    }

    /// What an event at `time` adds.
    public func weight(at time: Double) -> Double {
        lambda == 0 ? 1 : PortableMath.exp(lambda * (time - landmark))
    }

    /// What a sum is multiplied with to be read at `time`.
    public func normalizer(at time: Double) -> Double {
        lambda == 0 ? 1 : PortableMath.exp(-lambda * (time - landmark))
    }

    mutating func setLandmark(_ time: Double) {
        landmark = time
        started = true
    }
}

extension ForwardDecay: BinaryCodable {
    public func encode(to writer: inout BinaryWriter) {
        writer.write(lambda)
        writer.write(landmark)
        writer.write(started)
    }

    public init(from reader: inout BinaryReader) throws {
        lambda = try reader.read(Double.self)
        landmark = try reader.read(Double.self)
        started = try reader.read(Bool.self)
    }
}
