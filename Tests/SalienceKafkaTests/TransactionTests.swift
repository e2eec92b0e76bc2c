import SalienceKafka
import SalienceTestSupport
import Testing

/// The embedded cluster accepts transactions but writes no control markers and
/// discards offsets sent to a transaction, so these tests check the API flow
/// and error classes, not read_committed visibility.
@Suite(.ownThreads, .timeLimit(.minutes(2)))
struct TransactionTests {
    @Test func commitAndAbortFlowsWorkEndToEnd() throws {
        let test = try TestCluster()
        let input = try test.makeTopic("txn-in", partitions: 1)
        let output = try test.makeTopic("txn-out", partitions: 1)
        let producer = try test.producer(transactionalID: TestCluster.uniqueName("txn"))
        let consumer = try test.consumer(group: TestCluster.uniqueName("txn-group"))
        try consumer.subscribe(topics: [input])
        try producer.initTransactions(timeout: .seconds(30))

        let deliveries = DeliveryLog()
        try producer.beginTransaction()
        for index in 0..<10 {
            try producer.send(KafkaProducerMessage(topic: output, partition: 0, value: [UInt8(index)])) { deliveries.record($0) }
        }
        try producer.sendOffsetsToTransaction(
            [KafkaTopicPartitionOffset(topic: input, partition: 0, offset: 5)],
            consumer: consumer,
            timeout: .seconds(30)
        )
        try producer.commitTransaction(timeout: .seconds(30))
        #expect(deliveries.receipts.count == 10)

        try producer.beginTransaction()
        try producer.send(KafkaProducerMessage(topic: output, partition: 0, value: [99])) { deliveries.record($0) }
        try producer.abortTransaction(timeout: .seconds(30))
        #expect(deliveries.all.count == 11)

        // A new transaction works after an abort.
        try producer.beginTransaction()
        try producer.commitTransaction(timeout: .seconds(30))
        try consumer.close()
        producer.close(timeout: .seconds(5))
    }

    @Test func misuseIsReportedWithAClassifiedError() throws {
        let test = try TestCluster(brokers: 1)
        let producer = try test.producer(transactionalID: TestCluster.uniqueName("txn"))
        // Begin before init: a state error, not retriable and not fatal.
        let beforeInit = #expect(throws: KafkaError.self) { try producer.beginTransaction() }
        #expect(beforeInit?.isRetriable == false)
        #expect(beforeInit?.isFatal == false)
        #expect(beforeInit?.message.contains("begin transaction") == true)

        try producer.initTransactions(timeout: .seconds(30))
        try producer.beginTransaction()
        let twice = #expect(throws: KafkaError.self) { try producer.beginTransaction() }
        #expect(twice?.isFatal == false)
        try producer.abortTransaction(timeout: .seconds(30))
    }

    @Test func transactionalAPIOnANonTransactionalProducerFails() throws {
        let test = try TestCluster(brokers: 1)
        let producer = try test.producer()
        let error = #expect(throws: KafkaError.self) { try producer.initTransactions(timeout: .seconds(5)) }
        #expect(error?.isRetriable == false)
    }
}

@Suite(.ownThreads, .timeLimit(.minutes(2)))
struct TransactionErrorClassTests {
    @Test func aRejectedProduceMakesTheCommitAbortable() throws {
        let test = try TestCluster(brokers: 1)
        let topic = try test.makeTopic("txn-abortable", partitions: 1)
        let producer = try test.producer(transactionalID: TestCluster.uniqueName("txn"))
        try producer.initTransactions(timeout: .seconds(30))
        try producer.beginTransaction()
        // MESSAGE_TOO_LARGE on the produce request: the message fails for good.
        test.cluster.pushRequestErrors(.produce, errors: [KafkaError.Code(rawValue: 10)])
        let deliveries = DeliveryLog()
        try producer.send(KafkaProducerMessage(topic: topic, partition: 0, value: [1])) { deliveries.record($0) }
        let error = #expect(throws: KafkaError.self) { try producer.commitTransaction(timeout: .seconds(30)) }
        #expect(error?.requiresAbort == true)
        #expect(deliveries.failures.count == 1)
        try producer.abortTransaction(timeout: .seconds(30))
        // The producer is not fatally broken: a new transaction can begin. (The
        // embedded cluster mishandles the epoch bump after such an abort, so a
        // commit of that transaction is not asserted here.)
        try producer.beginTransaction()
        try producer.abortTransaction(timeout: .seconds(30))
    }

    @Test func aFencedProducerIsFatal() throws {
        let test = try TestCluster(brokers: 1)
        let topic = try test.makeTopic("txn-fenced", partitions: 1)
        let producer = try test.producer(transactionalID: TestCluster.uniqueName("txn"))
        try producer.initTransactions(timeout: .seconds(30))
        try producer.beginTransaction()
        try producer.send(KafkaProducerMessage(topic: topic, partition: 0, value: [1])) { _ in }
        // PRODUCER_FENCED on EndTxn: another producer took over the transactional id.
        test.cluster.pushRequestErrors(.endTransaction, errors: [KafkaError.Code(rawValue: 90)])
        let error = #expect(throws: KafkaError.self) { try producer.commitTransaction(timeout: .seconds(30)) }
        #expect(error?.isFatal == true)
    }
}
