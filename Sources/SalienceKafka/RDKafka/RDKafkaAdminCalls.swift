import CRdKafka

/// The admin client's calls into librdkafka, in Swift types: ``KafkaAdmin``
/// calls these and no C function.
extension RDKafkaClient {
    /// Creates topics and waits for the controller's answer (see
    /// ``KafkaAdmin/createTopics(_:timeout:)`` for the errors).
    func createTopics(_ topics: [KafkaTopicSpecification], timeout: Duration) throws {
        var newTopics: [OpaquePointer?] = []
        defer { for topic in newTopics { rd_kafka_NewTopic_destroy(topic) } }
        for topic in topics {
            var errorText = [CChar](repeating: 0, count: 512)
            guard let newTopic = rd_kafka_NewTopic_new(topic.name, topic.partitions, topic.replicationFactor, &errorText, errorText.count) else {
                let reason = String(decoding: errorText.prefix { $0 != 0 }.map { UInt8(bitPattern: $0) }, as: UTF8.self)
                throw KafkaError(code: .invalidConfiguration, name: "INVALID_TOPIC",
                                 message: "topic '\(topic.name)': \(reason)", severity: .permanent)
            }
            newTopics.append(newTopic)
            for (key, value) in topic.configs.sorted(by: { $0.key < $1.key }) {
                let err = rd_kafka_NewTopic_set_config(newTopic, key, value)
                guard err == RD_KAFKA_RESP_ERR_NO_ERROR else {
                    throw KafkaError.from(err, context: "topic '\(topic.name)' config '\(key)'")
                }
            }
        }
        let queue = rd_kafka_queue_new(handle)
        defer { rd_kafka_queue_destroy(queue) }
        let options = rd_kafka_AdminOptions_new(handle, RD_KAFKA_ADMIN_OP_CREATETOPICS)
        defer { rd_kafka_AdminOptions_destroy(options) }
        var errorText = [CChar](repeating: 0, count: 512)
        _ = rd_kafka_AdminOptions_set_request_timeout(options, timeout.timeoutMilliseconds, &errorText, errorText.count)
        _ = rd_kafka_AdminOptions_set_operation_timeout(options, timeout.timeoutMilliseconds, &errorText, errorText.count)
        newTopics.withUnsafeMutableBufferPointer { buffer in
            rd_kafka_CreateTopics(handle, buffer.baseAddress, buffer.count, options, queue)
        }
        guard let event = rd_kafka_queue_poll(queue, timeout.timeoutMilliseconds + 1000) else {
            throw KafkaError(code: .timedOut, name: "_TIMED_OUT", message: "create topics: no answer within \(timeout)", severity: .retriable)
        }
        defer { rd_kafka_event_destroy(event) }
        let err = rd_kafka_event_error(event)
        if err != RD_KAFKA_RESP_ERR_NO_ERROR {
            throw Self.createTopicsError(err, detail: rd_kafka_event_error_string(event).map { String(cString: $0) } ?? "")
        }
        guard let result = rd_kafka_event_CreateTopics_result(event) else { return }
        var count = 0
        guard let results = rd_kafka_CreateTopics_result_topics(result, &count) else { return }
        for index in 0..<count {
            guard let topicResult = results[index] else { continue }
            let err = rd_kafka_topic_result_error(topicResult)
            if err != RD_KAFKA_RESP_ERR_NO_ERROR {
                let name = String(cString: rd_kafka_topic_result_name(topicResult))
                let detail = rd_kafka_topic_result_error_string(topicResult).map { String(cString: $0) } ?? ""
                throw Self.createTopicsError(err, detail: "topic '\(name)': \(detail)")
            }
        }
    }

    /// Fails fast when the cluster has no admin API. CreateTopics would otherwise
    /// wait for a controller that never comes (the embedded cluster names none):
    /// DescribeConfigs, which any broker answers, shows whether admin requests
    /// are offered at all.
    func requireAdminAPI(timeout: Duration) throws {
        let brokerID = try brokerIDs(timeout: timeout).first ?? -1
        guard let resource = rd_kafka_ConfigResource_new(RD_KAFKA_RESOURCE_BROKER, String(brokerID)) else { return }
        defer { rd_kafka_ConfigResource_destroy(resource) }
        let queue = rd_kafka_queue_new(handle)
        defer { rd_kafka_queue_destroy(queue) }
        var resources: [OpaquePointer?] = [resource]
        resources.withUnsafeMutableBufferPointer { buffer in
            rd_kafka_DescribeConfigs(handle, buffer.baseAddress, buffer.count, nil, queue)
        }
        guard let event = rd_kafka_queue_poll(queue, timeout.timeoutMilliseconds) else { return }
        defer { rd_kafka_event_destroy(event) }
        let err = rd_kafka_event_error(event)
        if err == RD_KAFKA_RESP_ERR__UNSUPPORTED_FEATURE {
            throw Self.createTopicsError(err, detail: rd_kafka_event_error_string(event).map { String(cString: $0) } ?? "")
        }
    }

    private static func createTopicsError(_ err: rd_kafka_resp_err_t, detail: String) -> KafkaError {
        let unsupported: Set<rd_kafka_resp_err_t> = [
            RD_KAFKA_RESP_ERR__UNSUPPORTED_FEATURE, RD_KAFKA_RESP_ERR_UNSUPPORTED_VERSION, RD_KAFKA_RESP_ERR_INVALID_REQUEST,
        ]
        guard unsupported.contains(err) else { return KafkaError.from(err, context: "create topics: \(detail)") }
        return KafkaError(
            code: .unsupportedFeature,
            name: String(cString: rd_kafka_err2name(err)),
            message: "create topics: not supported by this broker (\(detail)); create topics with the cluster's own tools",
            severity: .permanent
        )
    }
}
