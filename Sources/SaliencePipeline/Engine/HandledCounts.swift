import SalienceCore

/// What one engine thread handled since it last published: counted once per
/// input message, on that thread and without locks, then published once per
/// polled batch to the run's statistics and its metrics — the one count both
/// read (``PipelineStatistics/publish(_:)``, ``PipelineMetrics/publish(_:)``).
struct HandledCounts: Equatable {
    /// Decoded events by behaviour type's raw value.
    var eventsByType = [Int](repeating: 0, count: BehaviorType.allCases.count)
    /// Messages that did not decode (dead letters, written or suppressed).
    var undecodable = 0
    /// Events sampling did not keep.
    var samplesNotKept = 0
    /// Samples not written again after a restart (exactly-once).
    var samplesSuppressed = 0
    /// Dead letters not written again after a restart.
    var deadLettersSuppressed = 0
    /// What the label policy did.
    var labels = LabelOutcomes()
    /// Negatives the sampler could not draw.
    var negativesSkipped = 0
    /// The released events' weight components, for the weight histograms.
    var weights = WeightTally()

    /// Input messages handled.
    var messages: Int { eventsByType.reduce(undecodable, +) }

    var isEmpty: Bool { messages == 0 }

    /// Counts an event the estimator released, of which the first `suppressed` samples are not written again.
    mutating func count(_ release: SampleRelease, suppressed: Int) {
        eventsByType[Int(release.result.sample.type.rawValue)] += 1
        if !release.result.kept { samplesNotKept += 1 }
        samplesSuppressed += suppressed
        labels += release.labels
        negativesSkipped += release.negativesSkipped
        weights.add(release.result.sample)
    }

    /// Counts a message that did not decode; `suppressed` when its dead letter was written before a restart.
    mutating func countUndecodable(suppressed: Bool) {
        undecodable += 1
        if suppressed { deadLettersSuppressed += 1 }
    }
}
