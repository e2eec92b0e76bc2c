@testable import SaliencePipeline
import SalienceTestSupport
import Testing

@Suite(.ownThreads) struct TransactionalIDTests {
    @Test func anInstanceNameMakesTheIdTheSameAcrossRestarts() {
        var configuration = PipelineConfiguration()
        configuration.group = "g"
        #expect(configuration.transactionalID(member: 1, host: "h", processID: 42) == "salience-g-h-42-1")
        #expect(configuration.transactionalID(member: 1, host: "h", processID: 43) != configuration.transactionalID(member: 1, host: "h", processID: 42))
        configuration.instanceID = "pod-7"
        #expect(configuration.transactionalID(member: 1, host: "h", processID: 42) == "salience-g-pod-7-1")
        #expect(configuration.transactionalID(member: 1, host: "other", processID: 43) == "salience-g-pod-7-1")
        #expect(configuration.transactionalID(member: 0, host: "h", processID: 42) == "salience-g-pod-7-0")
    }

    @Test func anInstanceNameMustBeOneWord() {
        var configuration = PipelineConfiguration()
        for bad in ["", "two words", "tab\there"] {
            configuration.instanceID = bad
            #expect(configuration.validationErrors().contains { $0.hasPrefix("instance_id:") }, "\(bad)")
        }
        configuration.instanceID = "pod-7"
        #expect(configuration.validationErrors().isEmpty)
    }
}
