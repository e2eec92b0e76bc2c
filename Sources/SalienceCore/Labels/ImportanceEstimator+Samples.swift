/// What one event did besides its own estimate.
public struct SampleRelease: Hashable, Sendable {
    /// The event's own estimate (statistics, model, weights, keep decision).
    public var result: EstimatorResult
    /// What the label policy did.
    public var labels: LabelOutcomes
    /// Negatives that could not be drawn (no table yet, or every attempt excluded).
    public var negativesSkipped: Int
}

extension ImportanceEstimator {
    /// Processes the event and appends the samples it releases to `samples`,
    /// in emission order: the label policy's samples (see ``LabelPolicy``),
    /// each positive followed by its generated negatives. Under per-event
    /// labels without negatives that is the event's own sample when kept.
    public mutating func release(
        _ event: BehaviorEvent, source: SourcePosition? = nil, into samples: inout [WeightedSample]
    ) -> SampleRelease {
        let result = process(event, source: source)
        var labels = LabelOutcomes()
        let first = samples.count
        if joiner != nil {
            joiner!.handle(event, result: result, watermark: watermark, outcomes: &labels) { samples.append($0) }
        } else if result.kept {
            samples.append(result.sample)
        }
        var skipped = 0
        if negativeSampler != nil {
            negativeSampler!.observe(event, now: maxEventTime ?? event.timestamp)
            var index = first
            while index < samples.count {
                let positive = samples[index]
                index += 1
                guard positive.label == 1 else { continue }
                var negatives: [WeightedSample] = []
                skipped += negativeSampler!.drawNegatives(for: positive) { negatives.append($0) }
                samples.insert(contentsOf: negatives, at: index)
                index += negatives.count
            }
        }
        return SampleRelease(result: result, labels: labels, negativesSkipped: skipped)
    }

    /// Exposures waiting for their label (0 under per-event labels).
    public var pendingExposures: Int { joiner?.pending.count ?? 0 }
}
