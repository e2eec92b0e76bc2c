import CRdKafka

extension KafkaConsumerMessage {
    /// Copies a librdkafka message into Swift values. `topicNames` remembers
    /// each topic handle's name, so a batch makes each name's string once.
    init(copying message: UnsafePointer<rd_kafka_message_t>, topicNames: inout [OpaquePointer: String]) {
        let raw = message.pointee
        var topic = ""
        if let handle = raw.rkt {
            if let known = topicNames[handle] {
                topic = known
            } else {
                topic = String(cString: rd_kafka_topic_name(handle))
                topicNames[handle] = topic
            }
        }
        let key = raw.key.map { Array(UnsafeRawBufferPointer(start: $0, count: raw.key_len)) }
        let value = raw.payload.map { Array(UnsafeRawBufferPointer(start: $0, count: raw.len)) } ?? []
        self.init(
            topic: topic,
            partition: raw.partition,
            offset: raw.offset,
            key: key,
            value: value,
            headers: Self.headers(of: message),
            timestamp: Self.timestamp(of: message)
        )
    }

    static func timestamp(of message: UnsafePointer<rd_kafka_message_t>) -> KafkaTimestamp? {
        var type = RD_KAFKA_TIMESTAMP_NOT_AVAILABLE
        let milliseconds = rd_kafka_message_timestamp(message, &type)
        switch type {
        case RD_KAFKA_TIMESTAMP_CREATE_TIME: return KafkaTimestamp(milliseconds: milliseconds, kind: .createTime)
        case RD_KAFKA_TIMESTAMP_LOG_APPEND_TIME: return KafkaTimestamp(milliseconds: milliseconds, kind: .logAppendTime)
        default: return nil
        }
    }

    private static func headers(of message: UnsafePointer<rd_kafka_message_t>) -> [KafkaHeader] {
        var headers: OpaquePointer?
        guard rd_kafka_message_headers(message, &headers) == RD_KAFKA_RESP_ERR_NO_ERROR, let headers else { return [] }
        var result: [KafkaHeader] = []
        var index = 0
        while true {
            var name: UnsafePointer<CChar>?
            var value: UnsafeRawPointer?
            var size = 0
            guard rd_kafka_header_get_all(headers, index, &name, &value, &size) == RD_KAFKA_RESP_ERR_NO_ERROR, let name else { break }
            result.append(KafkaHeader(key: String(cString: name), value: value.map { Array(UnsafeRawBufferPointer(start: $0, count: size)) }))
            index += 1
        }
        return result
    }
}

extension Array where Element == KafkaHeader {
    /// A new `rd_kafka_headers_t` holding these headers, or `nil` when empty.
    func makeRDKafkaHeaders() -> OpaquePointer? {
        guard !isEmpty, let headers = rd_kafka_headers_new(count) else { return nil }
        for header in self {
            if let value = header.value {
                value.withUnsafeBytes { bytes in
                    _ = rd_kafka_header_add(headers, header.key, -1, bytes.baseAddress, bytes.count)
                }
            } else {
                _ = rd_kafka_header_add(headers, header.key, -1, nil, 0)
            }
        }
        return headers
    }
}
