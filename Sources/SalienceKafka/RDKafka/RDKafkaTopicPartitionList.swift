import CRdKafka

/// Owns an `rd_kafka_topic_partition_list_t` and converts it to and from Swift values.
final class RDKafkaTopicPartitionList {
    let list: UnsafeMutablePointer<rd_kafka_topic_partition_list_t>

    init(_ offsets: [KafkaTopicPartitionOffset]) {
        list = rd_kafka_topic_partition_list_new(Int32(clamping: offsets.count))
        for entry in offsets {
            let element = rd_kafka_topic_partition_list_add(list, entry.topicPartition.topic, entry.topicPartition.partition)
            element?.pointee.offset = entry.offset
        }
    }

    convenience init(_ partitions: [KafkaTopicPartition], offset: Int64 = KafkaOffset.invalid) {
        self.init(partitions.map { KafkaTopicPartitionOffset($0, offset: offset) })
    }

    deinit { rd_kafka_topic_partition_list_destroy(list) }

    /// The entries of a list librdkafka owns.
    static func entries(of list: UnsafePointer<rd_kafka_topic_partition_list_t>) -> [KafkaTopicPartitionOffset] {
        (0..<Int(list.pointee.cnt)).map { index in
            let element = list.pointee.elems[index]
            return KafkaTopicPartitionOffset(topic: String(cString: element.topic), partition: element.partition, offset: element.offset)
        }
    }

    var entries: [KafkaTopicPartitionOffset] { Self.entries(of: list) }

    /// The first per-partition error in the list, if any.
    func firstError(context: String) -> KafkaError? {
        for index in 0..<Int(list.pointee.cnt) {
            let element = list.pointee.elems[index]
            if element.err != RD_KAFKA_RESP_ERR_NO_ERROR {
                return KafkaError.from(element.err, context: "\(context) \(String(cString: element.topic))/\(element.partition)")
            }
        }
        return nil
    }
}
