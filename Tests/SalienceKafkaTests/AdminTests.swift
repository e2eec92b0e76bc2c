import SalienceKafka
import SalienceTestSupport
import Testing

@Suite(.ownThreads, .timeLimit(.minutes(1)))
struct AdminTests {
    @Test func createTopicsOnTheEmbeddedClusterFailsAsUnsupported() throws {
        let test = try TestCluster(brokers: 1)
        let admin = try KafkaAdmin(configuration: test.clientConfiguration, logger: test.logger)
        let spec = KafkaTopicSpecification(name: TestCluster.uniqueName("admin"), partitions: 3, configs: ["cleanup.policy": "compact"])
        let error = #expect(throws: KafkaError.self) { try admin.createTopics([spec], timeout: .seconds(10)) }
        #expect(error?.code == .unsupportedFeature)
        #expect(error?.message.contains("not supported by this broker") == true)
    }

    @Test func listsAndDescribesTopics() throws {
        let test = try TestCluster(brokers: 3)
        let topic = try test.makeTopic("described", partitions: 5)
        let admin = try KafkaAdmin(configuration: test.clientConfiguration, logger: test.logger)
        #expect(try admin.listTopics(timeout: .seconds(10)).map(\.name).contains(topic))
        let description = try admin.describeTopic(topic, timeout: .seconds(10))
        #expect(description.partitions.map(\.id) == [0, 1, 2, 3, 4])
        #expect(description.partitions.allSatisfy { (1...3).contains($0.leader) })
        let missing = #expect(throws: KafkaError.self) { try admin.describeTopic("no-such-topic-\(topic)", timeout: .seconds(5)) }
        #expect(missing?.code == .unknownTopicOrPartition)
    }
}
