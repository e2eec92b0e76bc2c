import CSalienceIntrinsics
import Foundation

/// Online logistic regression by FTRL-Proximal (McMahan et al., "Ad Click
/// Prediction: a View from the Trenches", KDD 2013) over hashed features.
public struct FTRLProximal: Sendable, Equatable {
    /// Learning-rate and regularisation settings.
    public struct Parameters: Hashable, Sendable {
        /// Per-coordinate learning rate scale α. Default: 0.05.
        public var alpha: Double
        /// Learning rate smoothing β. Default: 1.
        public var beta: Double
        /// L1 strength (sparsity). Default: 0.1.
        public var l1: Double
        /// L2 strength. Default: 1.
        public var l2: Double

        public init(alpha: Double = 0.05, beta: Double = 1, l1: Double = 0.1, l2: Double = 1) {
            self.alpha = alpha
            self.beta = beta
            self.l1 = l1
            self.l2 = l2
        }
    }

    public let parameters: Parameters
    /// `z` and `n` of each coordinate, interleaved so one cache line serves both.
    private var state: [Double]
    /// Per feature of the last prediction: its weight, `n` and `√n`, reused by
    /// the update (grown, never shrunk).
    private var scratch: [Scratch] = []

    private struct Scratch {
        var weight = 0.0
        var n = 0.0
        var rootN = 0.0
    }

    public init(bits: Int, parameters: Parameters) {
        self.parameters = parameters
        state = .largeTable(repeating: 0, count: 2 << bits)
        scratch.reserveCapacity(64)
    }

    /// Number of coordinates.
    public var dimension: Int { state.count / 2 }

    /// Bytes held by `z` and `n`.
    public var memoryBytes: Int { state.count * MemoryLayout<Double>.stride }

    /// Starts loading the coordinates of `features`, so that a
    /// ``predict(_:)`` soon after finds them in cache.
    public func prefetch(_ features: FeatureVector) {
        state.withUnsafeBufferPointer { state in
            for index in features.indices { salience_prefetch_for_write(state.baseAddress! + 2 * index) }
        }
    }

    /// `σ(w·x)` for the features, remembering the weights for ``update(_:prediction:label:importance:)``.
    public mutating func predict(_ features: FeatureVector) -> Double {
        let count = features.count
        if scratch.count < count { scratch.append(contentsOf: repeatElement(Scratch(), count: count - scratch.count)) }
        var dot = 0.0
        let parameters = self.parameters
        state.withUnsafeBufferPointer { state in
            scratch.withUnsafeMutableBufferPointer { scratch in
                features.indices.withUnsafeBufferPointer { indices in
                    features.values.withUnsafeBufferPointer { values in
                        for position in 0..<count {
                            let index = indices[position]
                            let n = state[2 * index + 1]
                            let rootN = n.squareRoot()
                            let weight = Self.weight(z: state[2 * index], rootN: rootN, parameters: parameters)
                            scratch[position] = Scratch(weight: weight, n: n, rootN: rootN)
                            dot += weight * values[position]
                        }
                    }
                }
            }
        }
        return Self.sigmoid(dot)
    }

    /// One FTRL step on the log-loss gradient `(p − y)·x`, scaled by `importance`.
    /// Call right after ``predict(_:)`` with the same features.
    public mutating func update(_ features: FeatureVector, prediction: Double, label: Double, importance: Double) {
        let gradient = (prediction - label) * importance
        let alpha = parameters.alpha
        scratch.withUnsafeBufferPointer { scratch in
            state.withUnsafeMutableBufferPointer { state in
                features.indices.withUnsafeBufferPointer { indices in
                    features.values.withUnsafeBufferPointer { values in
                        for position in 0..<indices.count {
                            let index = indices[position]
                            let g = gradient * values[position]
                            let n = state[2 * index + 1]
                            // √n from the prediction, unless an earlier feature of this event hashed to the same index.
                            let seen = scratch[position]
                            let rootN = n == seen.n ? seen.rootN : n.squareRoot()
                            let sigma = ((n + g * g).squareRoot() - rootN) / alpha
                            state[2 * index] += g - sigma * seen.weight
                            state[2 * index + 1] = n + g * g
                        }
                    }
                }
            }
        }
    }

    /// The weight of coordinate `index` (0 where L1 keeps it at zero).
    public func weight(at index: Int) -> Double {
        Self.weight(z: state[2 * index], rootN: state[2 * index + 1].squareRoot(), parameters: parameters)
    }

    /// Every non-zero weight, by index.
    public func nonZeroWeights() -> [(index: Int, weight: Double)] {
        (0..<dimension).compactMap { index in
            let weight = weight(at: index)
            return weight == 0 ? nil : (index, weight)
        }
    }

    @inline(__always)
    static func weight(z: Double, rootN: Double, parameters: Parameters) -> Double {
        let magnitude = abs(z)
        guard magnitude > parameters.l1 else { return 0 }
        let sign: Double = z < 0 ? -1 : 1
        return -(z - sign * parameters.l1) / ((parameters.beta + rootN) / parameters.alpha + parameters.l2)
    }

    /// The logistic function, with its argument clipped to ±35.
    public static func sigmoid(_ value: Double) -> Double {
        let clipped = min(max(value, -35), 35)
        return 1 / (1 + exp(-clipped))
    }
}

extension FTRLProximal: BinaryCodable {
    public func encode(to writer: inout BinaryWriter) {
        writer.write(parameters.alpha)
        writer.write(parameters.beta)
        writer.write(parameters.l1)
        writer.write(parameters.l2)
        writer.write(state)
    }

    public init(from reader: inout BinaryReader) throws {
        parameters = Parameters(
            alpha: try reader.read(Double.self),
            beta: try reader.read(Double.self),
            l1: try reader.read(Double.self),
            l2: try reader.read(Double.self)
        )
        state = try reader.read([Double].self)
        guard state.count >= 2, state.count.nonzeroBitCount == 1 else {
            throw StateDecodingError(.malformed, "model of \(state.count / 2) coordinates is not a power of two")
        }
        scratch.reserveCapacity(64)
    }
}

extension FTRLProximal {
    public static func == (lhs: Self, rhs: Self) -> Bool {
        lhs.parameters == rhs.parameters && lhs.state == rhs.state
    }
}
