@testable import SalienceKafka
import Logging
import SalienceTestSupport
import Testing

@Suite(.ownThreads) struct ConfigurationTests {
    let logger = Logger(label: "salience.test")

    @Test func anUnknownPropertyIsNamedWithLibrdkafkasMessage() {
        var configuration = KafkaProducerConfiguration()
        configuration.client.properties = ["bootstrap.servrs": "localhost:9092"]
        let error = #expect(throws: KafkaError.self) { try KafkaProducer(configuration: configuration, logger: logger) }
        #expect(error?.code == .invalidConfiguration)
        #expect(error?.message.contains("'bootstrap.servrs'") == true)
        #expect(error?.message.contains("No such configuration property") == true)
    }

    @Test func anInvalidValueIsNamedWithLibrdkafkasMessage() {
        var configuration = KafkaConsumerConfiguration()
        configuration.client.properties = ["session.timeout.ms": "soon"]
        let error = #expect(throws: KafkaError.self) { try KafkaConsumer(configuration: configuration, logger: logger) }
        #expect(error?.message.contains("'session.timeout.ms'") == true)
        #expect(error?.message.contains("invalid value") == true)
    }

    @Test func anInvalidCombinationFailsAtConstruction() {
        var configuration = KafkaProducerConfiguration(idempotent: true)
        configuration.client.properties = ["acks": "1"]
        let error = #expect(throws: KafkaError.self) { try KafkaProducer(configuration: configuration, logger: logger) }
        #expect(error?.message.contains("acks") == true)
    }

    @Test func typedSettingsAreDocumentedDefaults() {
        let producer = KafkaProducerConfiguration()
        #expect(producer.idempotent)
        #expect(producer.transactionalID == nil)
        let consumer = KafkaConsumerConfiguration()
        #expect(consumer.autoCommit == false)
        #expect(consumer.isolationLevel == .readCommitted)
        #expect(producer.tcpNoDelay)
    }

    @Test func producersSendRequestsAtOnceUnlessToldOtherwise() {
        #expect(KafkaProducerConfiguration().librdkafkaProperties["socket.nagle.disable"] == "true")
        #expect(KafkaProducerConfiguration(tcpNoDelay: false).librdkafkaProperties["socket.nagle.disable"] == "false")
        var raw = KafkaProducerConfiguration()
        raw.client.properties["socket.nagle.disable"] = "false"
        #expect(raw.librdkafkaProperties["socket.nagle.disable"] == "false", "a raw property wins")
        // Consumers keep librdkafka's default: replays read half as fast without Nagle on the embedded broker.
        #expect(KafkaConsumerConfiguration().librdkafkaProperties["socket.nagle.disable"] == nil)
    }
}
