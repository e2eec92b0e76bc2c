import Logging
import SalienceKafka
import SaliencePipeline
import SalienceTestSupport
import ServiceLifecycle
import ServiceLifecycleTestKit
import Testing

@Suite(.ownThreads) struct EmbeddedBrokerServiceTests {
    @Test func topicArgumentsParse() {
        #expect(EmbeddedBrokerService.Topic(argument: "events:12") == .init(name: "events", partitions: 12))
        #expect(EmbeddedBrokerService.Topic(argument: "events") == .init(name: "events", partitions: 4))
        #expect(EmbeddedBrokerService.Topic(argument: "events:0") == nil)
        #expect(EmbeddedBrokerService.Topic(argument: "events:x") == nil)
        #expect(EmbeddedBrokerService.Topic(argument: ":3") == nil)
        #expect(EmbeddedBrokerService.Topic(argument: "a:1:2") == nil)
    }

    @Test(.timeLimit(.minutes(1)))
    func servesItsTopicsUntilGracefulShutdown() async throws {
        let logger = Logger(label: "salience.test")
        let service = try EmbeddedBrokerService(brokers: 2, topics: [.init(name: "served", partitions: 3)], logger: logger)
        let admin = try KafkaAdmin(
            configuration: KafkaClientConfiguration(bootstrapServers: [service.cluster.bootstrapServers]),
            logger: logger
        )
        #expect(try admin.describeTopic("served", timeout: .seconds(10)).partitions.count == 3)
        try await testGracefulShutdown { trigger in
            try await withThrowingTaskGroup(of: Void.self) { group in
                group.addTask { try await service.run() }
                trigger.triggerGracefulShutdown()
                try await group.waitForAll()
            }
        }
    }
}
