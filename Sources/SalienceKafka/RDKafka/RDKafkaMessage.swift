import CRdKafka

extension KafkaMessageBatch {
    /// Copies a librdkafka message's key, value and headers into the batch.
    mutating func append(copying message: UnsafePointer<rd_kafka_message_t>, topic: String) {
        let raw = message.pointee
        let firstHeader = nextHeaderIndex
        var headers: OpaquePointer?
        // librdkafka parses a message's headers into a new list when first asked.
        if keepsHeaders, rd_kafka_message_headers(message, &headers) == RD_KAFKA_RESP_ERR_NO_ERROR, let headers {
            var index = 0
            var name: UnsafePointer<CChar>?
            var value: UnsafeRawPointer?
            var size = 0
            while rd_kafka_header_get_all(headers, index, &name, &value, &size) == RD_KAFKA_RESP_ERR_NO_ERROR, let name {
                var length = 0
                while name[length] != 0 { length += 1 }
                let storedName = store(UnsafeRawBufferPointer(start: name, count: length))
                appendHeader(name: storedName, value: value.map { store(UnsafeRawBufferPointer(start: $0, count: size)) })
                index += 1
            }
        }
        let key = raw.key.map { store(UnsafeRawBufferPointer(start: $0, count: raw.key_len)) }
        let value = store(UnsafeRawBufferPointer(start: raw.payload, count: raw.payload == nil ? 0 : raw.len))
        appendMessage(
            KafkaTopicPartition(topic: topic, partition: raw.partition), offset: raw.offset, key: key, value: value,
            headersFrom: firstHeader, timestamp: KafkaTimestamp(of: message)
        )
    }
}

extension KafkaTimestamp {
    /// A librdkafka message's timestamp, `nil` when it has none.
    init?(of message: UnsafePointer<rd_kafka_message_t>) {
        var type = RD_KAFKA_TIMESTAMP_NOT_AVAILABLE
        let milliseconds = rd_kafka_message_timestamp(message, &type)
        switch type {
        case RD_KAFKA_TIMESTAMP_CREATE_TIME: self.init(milliseconds: milliseconds, kind: .createTime)
        case RD_KAFKA_TIMESTAMP_LOG_APPEND_TIME: self.init(milliseconds: milliseconds, kind: .logAppendTime)
        default: return nil
        }
    }
}

extension Array where Element == KafkaHeader {
    /// A new `rd_kafka_headers_t` holding these headers, or `nil` when empty.
    func makeRDKafkaHeaders() -> OpaquePointer? {
        guard !isEmpty, let headers = rd_kafka_headers_new(count) else { return nil }
        for header in self {
            // withCString, not the implicit conversion: that makes a new array per header.
            header.key.withCString { name in
                if let value = header.value {
                    value.withUnsafeBytes { bytes in
                        _ = rd_kafka_header_add(headers, name, -1, bytes.baseAddress, bytes.count)
                    }
                } else {
                    _ = rd_kafka_header_add(headers, name, -1, nil, 0)
                }
            }
        }
        return headers
    }
}
