import Foundation

/// Progressive validation of the online model: each event is scored before
/// the model learns from it. Log-loss over all events and over recent ones
/// (decayed), and AUC from prediction histograms.
public struct ProgressiveMetrics: Sendable, Equatable {
    /// Histogram bins for AUC; predictions in the same bin count as ties.
    public static let bins = 1024

    public private(set) var events: Int64 = 0
    private var logLossTotal = 0.0
    private var recentLogLoss: DecayedMean
    private var positives: [Double]
    private var negatives: [Double]

    public init(halfLife: Duration?) {
        recentLogLoss = DecayedMean(halfLife: halfLife)
        positives = [Double](repeating: 0, count: Self.bins)
        negatives = [Double](repeating: 0, count: Self.bins)
    }

    /// Records a prediction made before learning from its event.
    public mutating func record(prediction: Double, label: Double, at time: Double) {
        let clipped = min(max(prediction, 1e-15), 1 - 1e-15)
        // One logarithm for the usual 0/1 label (the same value the general form gives).
        let loss = label == 1 ? -PortableMath.log(clipped) : label == 0 ? -PortableMath.log(1 - clipped)
            : -(label * PortableMath.log(clipped) + (1 - label) * PortableMath.log(1 - clipped))
        events += 1
        logLossTotal += loss
        recentLogLoss.add(loss, at: time)
        let bin = min(Int(prediction * Double(Self.bins)), Self.bins - 1)
        if label > 0.5 { positives[bin] += 1 } else { negatives[bin] += 1 }
    }

    /// Mean log-loss over every event so far.
    public var logLoss: Double? { events > 0 ? logLossTotal / Double(events) : nil }

    /// Decayed mean log-loss: the model's recent quality.
    public var recentMeanLogLoss: Double? { recentLogLoss.mean }

    /// Area under the ROC curve over every event so far, or `nil` until both
    /// classes occurred.
    public var auc: Double? {
        var negativesBelow = 0.0
        var area = 0.0
        var totalPositives = 0.0
        for bin in 0..<Self.bins {
            area += positives[bin] * (negativesBelow + 0.5 * negatives[bin])
            negativesBelow += negatives[bin]
            totalPositives += positives[bin]
        }
        guard totalPositives > 0, negativesBelow > 0 else { return nil }
        return area / (totalPositives * negativesBelow)
    }
}

extension ProgressiveMetrics: BinaryCodable {
    public func encode(to writer: inout BinaryWriter) {
        writer.write(events)
        writer.write(logLossTotal)
        recentLogLoss.encode(to: &writer)
        writer.write(positives)
        writer.write(negatives)
    }

    public init(from reader: inout BinaryReader) throws {
        events = try reader.read(Int64.self)
        logLossTotal = try reader.read(Double.self)
        recentLogLoss = try DecayedMean(from: &reader)
        positives = try reader.read([Double].self)
        negatives = try reader.read([Double].self)
        guard positives.count == Self.bins, negatives.count == Self.bins else {
            throw StateDecodingError(.malformed, "AUC histograms have \(positives.count) and \(negatives.count) bins")
        }
    }
}
