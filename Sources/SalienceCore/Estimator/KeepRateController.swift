import Foundation

/// Turns gradient scores into keep probabilities whose decayed mean is the
/// target rate: `p = min(1, max(p_min, c · score))`, with `c` maintained in
/// event time so that `p` averaged over recent scores equals `target`.
///
/// This is the water-filling solution of budgeted importance sampling: keep
/// in proportion to the score, and move the mass that scores above `1/c`
/// cannot use (they are kept surely) onto the rest. A fixed `p = rate · score`
/// keeps less than `rate` whenever scores clamp at 1; the controller keeps
/// exactly the target on average.
///
/// Recent scores live in a forward-decayed histogram (two buckets per octave
/// from 2⁻¹⁶ to 2¹⁶, plus one for smaller and one for larger scores), each
/// bucket holding its decayed weight and decayed score total, so the part of
/// the mean that is linear in `c` is exact and only buckets straddling a clamp
/// are approximated by their mean score. Each event adds its score and takes
/// one safeguarded Newton step of `c` from the previous value: the mean is
/// monotone and piecewise linear in `c`, so the step lands on the target
/// unless a clamp boundary moves, and the stream converges within a few
/// events. Pure arithmetic on event times: replays and restores agree.
struct KeepRateController: Sendable, Equatable {
    /// Buckets per octave of score.
    static let bucketsPerOctave = 2
    /// Scores below `2^lowestExponent` share the first bucket.
    static let lowestExponent = -16
    /// Scores at or above `2^highestExponent` share the last bucket.
    static let highestExponent = 16
    static let bucketCount = (highestExponent - lowestExponent) * bucketsPerOctave + 2
    /// `c` stays in this range, so it never runs away while every recent score is 0.
    static let scaleRange = 1e-12...1e12

    let target: Double
    let minimum: Double
    private var decay: ForwardDecay
    /// Decayed weight of the scores in each bucket.
    private var weights: [Double]
    /// Decayed sum of the scores in each bucket.
    private var scores: [Double]
    private var totalWeight = 0.0
    /// The lowest and highest bucket holding weight (empty while `lowest > highest`):
    /// each step visits only these.
    private var lowest = bucketCount
    private var highest = -1
    /// The scale `c`: the keep probability of a score below the clamps is `c · score`.
    private(set) var scale: Double
    /// The decayed mean of the keep probabilities given.
    private var given: DecayedMean

    /// A controller keeping `target` of the events, never less than `minimum`
    /// of any; recent scores weigh by `halfLife` in event time.
    init(target: Double, minimum: Double, halfLife: Duration?) {
        self.target = target
        self.minimum = minimum
        decay = ForwardDecay(halfLife: halfLife)
        weights = Array(repeating: 0, count: Self.bucketCount)
        scores = Array(repeating: 0, count: Self.bucketCount)
        scale = target
        given = DecayedMean(halfLife: halfLife)
    }

    /// Records `score` for an event at `time` (seconds) and returns the
    /// event's keep probability.
    mutating func keepProbability(score: Double, at time: Double, sharing shared: inout SharedDecay) -> Double {
        guard target < 1 else { return 1 }
        let factor = decay.prepare(for: time)
        if factor != 1 {
            for index in weights.indices {
                weights[index] *= factor
                scores[index] *= factor
            }
            totalWeight *= factor
        }
        let weight = shared.weight(of: decay, at: time)
        let bucket = Self.bucket(of: score)
        weights[bucket] += weight
        scores[bucket] += weight * score
        lowest = min(lowest, bucket)
        highest = max(highest, bucket)
        totalWeight += weight
        step()
        let probability = min(1, max(minimum, scale * score))
        given.add(probability, at: time, sharing: &shared)
        return probability
    }

    /// The decayed mean of the keep probabilities given: the expected kept
    /// fraction of recent events. It equals the target while the scores are
    /// stationary and lags a shift of their distribution by about a half-life.
    var achievedRate: Double {
        given.mean ?? target
    }

    /// The decayed mean keep probability of the recent scores under the
    /// current scale: the target, up to the buckets straddling a clamp.
    var windowRate: Double {
        totalWeight > 0 ? evaluate(scale).mean : target
    }

    /// The bucket of a score: its binary exponent and whether its significand
    /// is past √2 (no logarithm).
    static func bucket(of score: Double) -> Int {
        guard score >= 0x1p-16 else { return 0 }
        guard score < 0x1p16 else { return bucketCount - 1 }
        let half = score.significand >= 1.4142135623730951 ? 1 : 0
        return 1 + (Int(score.exponent) - lowestExponent) * bucketsPerOctave + half
    }

    /// The lower score bound of each bucket (the upper is the next one's lower).
    static let lowerBounds: [Double] = {
        var bounds: [Double] = [0]
        for bucket in 1..<bucketCount {
            // 2^(lowest + (bucket − 1)/2): an exact power of two, times √2
            // (correctly rounded everywhere) for the upper half of an octave.
            let steps = bucket - 1
            let power = Double(sign: .plus, exponent: lowestExponent + steps / bucketsPerOctave, significand: 1)
            bounds.append(steps % bucketsPerOctave == 0 ? power : power * 2.0.squareRoot())
        }
        bounds.append(.infinity)
        return bounds
    }()

    /// The mean keep probability under scale `c` and its derivative in `c`.
    private func evaluate(_ c: Double) -> (mean: Double, slope: Double) {
        var kept = 0.0
        var slope = 0.0
        let bounds = Self.lowerBounds
        guard lowest <= highest else { return (target, 0) }
        for bucket in lowest...highest where weights[bucket] > 0 {
            let weight = weights[bucket]
            let (lower, upper) = (bounds[bucket], bounds[bucket + 1])
            if c * lower >= 1 {
                kept += weight
            } else if c * upper <= minimum {
                kept += minimum * weight
            } else if c * lower >= minimum && c * upper <= 1 {
                kept += c * scores[bucket]
                slope += scores[bucket]
            } else {
                let probability = c * scores[bucket] / weight
                if probability >= 1 {
                    kept += weight
                } else if probability <= minimum {
                    kept += minimum * weight
                } else {
                    kept += c * scores[bucket]
                    slope += scores[bucket]
                }
            }
        }
        return (kept / totalWeight, slope / totalWeight)
    }

    /// One Newton step of the scale towards the target, at most a factor of 4
    /// either way; a halving or doubling where the mean is flat in `c`.
    private mutating func step() {
        let (mean, slope) = evaluate(scale)
        let error = target - mean
        guard abs(error) > 1e-12 * target else { return }
        var next = slope > 0 ? scale + error / slope : (error > 0 ? scale * 2 : scale / 2)
        next = min(max(next, scale / 4), scale * 4)
        scale = min(max(next, Self.scaleRange.lowerBound), Self.scaleRange.upperBound)
    }
}

extension KeepRateController: BinaryCodable {
    func encode(to writer: inout BinaryWriter) {
        writer.write(target)
        writer.write(minimum)
        writer.write(decay)
        writer.write(scale)
        writer.write(given)
        writer.write(totalWeight)
        for index in weights.indices {
            writer.write(weights[index])
            writer.write(scores[index])
        }
    }

    init(from reader: inout BinaryReader) throws {
        target = try reader.read(Double.self)
        minimum = try reader.read(Double.self)
        decay = try reader.read(ForwardDecay.self)
        scale = try reader.read(Double.self)
        given = try reader.read(DecayedMean.self)
        totalWeight = try reader.read(Double.self)
        weights = []
        scores = []
        for _ in 0..<Self.bucketCount {
            weights.append(try reader.read(Double.self))
            scores.append(try reader.read(Double.self))
        }
        lowest = weights.firstIndex { $0 > 0 } ?? Self.bucketCount
        highest = weights.lastIndex { $0 > 0 } ?? -1
        let values = [target, minimum, scale, totalWeight] + weights + scores
        guard values.allSatisfy({ $0.isFinite && $0 >= 0 }), scale > 0 else {
            throw StateDecodingError(.malformed, "the keep-rate controller holds a negative or non-finite value")
        }
    }
}
