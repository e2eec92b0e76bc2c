import SalienceKafka
import SaliencePipeline
import SalienceTestSupport
import Testing

/// What `salience topics` creates for a configuration, without a broker.
@Suite(.ownThreads) struct TopicPlanTests {
    private var configuration: PipelineConfiguration {
        var configuration = PipelineConfiguration()
        configuration.inputTopics = ["clicks", "orders"]
        return configuration
    }

    private func names(_ plan: TopicPlan) -> [String] { plan.create.map(\.name) }

    /// On an empty cluster: the inputs with the partitions asked for, the
    /// outputs co-partitioned with them, the checkpoint topic compacted.
    @Test func anEmptyClusterGetsEveryTopic() {
        let plan = TopicPlan(for: configuration, existing: [:], inputPartitions: 8, replicationFactor: 3)
        #expect(names(plan) == ["clicks", "orders", "samples", "dead-letters", "salience-checkpoints", "salience-models"])
        #expect(plan.create.allSatisfy { $0.partitions == 8 && $0.replicationFactor == 3 })
        #expect(plan.create.first { $0.name == "salience-checkpoints" }?.configs == ["cleanup.policy": "compact"])
        #expect(plan.create.filter { !$0.configs.isEmpty }.map(\.name) == ["salience-checkpoints"])
        #expect(plan.problems.isEmpty)
    }

    /// Existing inputs set the outputs' partitions (the widest input), and
    /// existing topics are left alone.
    @Test func outputsFollowTheWidestExistingInput() {
        let plan = TopicPlan(
            for: configuration, existing: ["clicks": 12, "orders": 24, "salience-models": 1], inputPartitions: 8, replicationFactor: -1
        )
        #expect(names(plan) == ["samples", "dead-letters", "salience-checkpoints"])
        #expect(plan.create.allSatisfy { $0.partitions == 24 && $0.replicationFactor == -1 })
        #expect(plan.problems.isEmpty)
    }

    /// An existing output narrower than an input is reported, naming both,
    /// and nothing replaces it.
    @Test func aNarrowOutputIsAProblem() {
        let plan = TopicPlan(
            for: configuration, existing: ["clicks": 12, "orders": 24, "samples": 16], inputPartitions: 8, replicationFactor: 1
        )
        #expect(!names(plan).contains("samples"))
        #expect(plan.problems.count == 1)
        #expect(plan.problems.first?.contains("'samples' has 16 partitions but input 'orders' has 24") == true, "\(plan.problems)")
    }

    /// Nothing to create when everything exists as it should.
    @Test func aCompleteClusterNeedsNothing() {
        let existing: [String: Int32] = [
            "clicks": 4, "orders": 4, "samples": 4, "dead-letters": 6, "salience-checkpoints": 1, "salience-models": 1,
        ]
        let plan = TopicPlan(for: configuration, existing: existing, inputPartitions: 8, replicationFactor: 1)
        #expect(plan.create.isEmpty && plan.problems.isEmpty)
        #expect(plan.existing == existing)
    }
}
