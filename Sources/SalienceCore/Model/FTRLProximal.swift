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
    /// `z` and `n` of each coordinate written so far, together so one cache
    /// line serves both; unwritten coordinates are zero. Held as `Float`
    /// (computed in `Double`, rounded once when stored): half the memory
    /// and checkpoint bytes of `Double`, and the holdout metrics of
    /// `salience evaluate` unchanged at their 4 decimals (docs/performance.md).
    private var state: SlotTable<Coordinate>
    /// Per feature of the last prediction: its storage position, weight, `n`
    /// and `√n`, reused by the update (grown, never shrunk).
    private var scratch: [Scratch] = []

    /// One coordinate's FTRL accumulators.
    struct Coordinate: SlotValue {
        var z: Float = 0
        var n: Float = 0
        static var empty: Coordinate { Coordinate() }
    }

    private struct Scratch {
        var position = 0
        var weight = 0.0
        var n = 0.0
        var rootN = 0.0
    }

    public init(bits: Int, parameters: Parameters) {
        self.parameters = parameters
        state = SlotTable(capacity: 1 << bits)
        scratch.reserveCapacity(64)
    }

    /// Number of coordinates.
    public var dimension: Int { state.capacity }

    /// Bytes held by `z` and `n` (growing with the coordinates written, up to
    /// 8 bytes per coordinate).
    public var memoryBytes: Int { state.memoryBytes }

    /// Starts loading the coordinates of `features`, so that a
    /// ``predict(_:)`` soon after finds them in cache.
    public func prefetch(_ features: FeatureVector) {
        for index in features.indices { state.prefetch(index) }
    }

    /// `σ(w·x)` for the features, remembering the weights for ``update(_:prediction:label:importance:)``.
    public mutating func predict(_ features: FeatureVector) -> Double {
        let count = features.count
        if scratch.count < count { scratch.append(contentsOf: repeatElement(Scratch(), count: count - scratch.count)) }
        var dot = 0.0
        let parameters = self.parameters
        // Every coordinate predicted is updated next: take its place now, so the update needs no lookup.
        state.reserve(count)
        scratch.withUnsafeMutableBufferPointer { scratch in
            features.indices.withUnsafeBufferPointer { indices in
                state.insert(count, slot: { indices[$0] }, position: { scratch[$0].position = $1 })
            }
            state.withValues { (state: UnsafeBufferPointer<Coordinate>) in
                features.values.withUnsafeBufferPointer { values in
                    for position in 0..<count {
                        let coordinate = state[scratch[position].position]
                        let n = Double(coordinate.n)
                        let rootN = n.squareRoot()
                        let weight = Self.weight(z: Double(coordinate.z), rootN: rootN, parameters: parameters)
                        scratch[position].weight = weight
                        scratch[position].n = n
                        scratch[position].rootN = rootN
                        dot += weight * values[position]
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
        let inverseAlpha = 1 / parameters.alpha
        scratch.withUnsafeBufferPointer { scratch in
            state.withValues { (state: UnsafeMutableBufferPointer<Coordinate>) in
                features.values.withUnsafeBufferPointer { values in
                    for position in 0..<values.count {
                        let seen = scratch[position]
                        let g = gradient * values[position]
                        let stored = state[seen.position]
                        let n = Double(stored.n)
                        // √n from the prediction, unless an earlier feature of this event hashed to the same index.
                        let rootN = n == seen.n ? seen.rootN : n.squareRoot()
                        let sigma = ((n + g * g).squareRoot() - rootN) * inverseAlpha
                        state[seen.position] = Coordinate(z: Float(Double(stored.z) + (g - sigma * seen.weight)), n: Float(n + g * g))
                    }
                }
            }
        }
    }

    /// The weight of coordinate `index` (0 where L1 keeps it at zero).
    public func weight(at index: Int) -> Double {
        let coordinate = state[index]
        return Self.weight(z: Double(coordinate.z), rootN: Double(coordinate.n).squareRoot(), parameters: parameters)
    }

    /// Every non-zero weight, by index.
    public func nonZeroWeights() -> [(index: Int, weight: Double)] {
        state.nonEmpty().compactMap { entry in
            let weight = Self.weight(z: Double(entry.value.z), rootN: Double(entry.value.n).squareRoot(), parameters: parameters)
            return weight == 0 ? nil : (entry.slot, weight)
        }
    }

    /// `w = −(z − sign(z)·λ₁) / ((β + √n)/α + λ₂)`, written as
    /// `−(z − sign(z)·λ₁)·α / (β + √n + λ₂·α)`: one division instead of two.
    @inline(__always)
    static func weight(z: Double, rootN: Double, parameters: Parameters) -> Double {
        let magnitude = abs(z)
        guard magnitude > parameters.l1 else { return 0 }
        let sign: Double = z < 0 ? -1 : 1
        return -(z - sign * parameters.l1) * parameters.alpha / (parameters.beta + rootN + parameters.l2 * parameters.alpha)
    }

    /// The logistic function, with its argument clipped to ±35.
    public static func sigmoid(_ value: Double) -> Double {
        let clipped = min(max(value, -35), 35)
        return 1 / (1 + PortableMath.exp(-clipped))
    }
}

extension FTRLProximal: BinaryCodable {
    public func encode(to writer: inout BinaryWriter) {
        writer.write(parameters.alpha)
        writer.write(parameters.beta)
        writer.write(parameters.l1)
        writer.write(parameters.l2)
        state.encode(to: &writer) { coordinate, writer in
            writer.write(coordinate.z)
            writer.write(coordinate.n)
        }
    }

    public init(from reader: inout BinaryReader) throws {
        parameters = Parameters(
            alpha: try reader.read(Double.self),
            beta: try reader.read(Double.self),
            l1: try reader.read(Double.self),
            l2: try reader.read(Double.self)
        )
        state = try SlotTable(from: &reader, what: "model") { reader in
            Coordinate(z: try reader.read(Float.self), n: try reader.read(Float.self))
        }
        guard state.capacity.nonzeroBitCount == 1 else {
            throw StateDecodingError(.malformed, "model of \(state.capacity) coordinates is not a power of two")
        }
        scratch.reserveCapacity(64)
    }
}

extension FTRLProximal {
    public static func == (lhs: Self, rhs: Self) -> Bool {
        lhs.parameters == rhs.parameters && lhs.state == rhs.state
    }
}

extension FTRLProximal: SingleTableState {
    var slotTable: SlotTable<Coordinate> {
        _read { yield state }
        _modify { yield &state }
    }
}
