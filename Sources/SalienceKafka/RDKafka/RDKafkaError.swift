import CRdKafka

extension KafkaError {
    /// Builds an error from a bare response code.
    static func from(
        _ err: rd_kafka_resp_err_t,
        context: String,
        fatal: Bool = false,
        file: String = #fileID,
        line: Int = #line
    ) -> KafkaError {
        let name = String(cString: rd_kafka_err2name(err))
        let text = String(cString: rd_kafka_err2str(err))
        let severity: Severity = fatal ? .fatal : (Self.isRetriableCode(err) ? .retriable : .permanent)
        return KafkaError(
            code: Code(rawValue: err.rawValue),
            name: name,
            message: "\(context): \(text)",
            severity: severity,
            file: file,
            line: line
        )
    }

    /// Throws the error of `err` with `context`, unless `err` is no error.
    static func check(
        _ err: rd_kafka_resp_err_t,
        _ context: @autoclosure () -> String,
        file: String = #fileID,
        line: Int = #line
    ) throws {
        guard err != RD_KAFKA_RESP_ERR_NO_ERROR else { return }
        throw from(err, context: context(), file: file, line: line)
    }

    /// Builds an error from an `rd_kafka_error_t` and destroys it.
    static func consuming(
        _ error: OpaquePointer,
        context: String,
        file: String = #fileID,
        line: Int = #line
    ) -> KafkaError {
        defer { rd_kafka_error_destroy(error) }
        let severity: Severity
        if rd_kafka_error_is_fatal(error) != 0 {
            severity = .fatal
        } else if rd_kafka_error_txn_requires_abort(error) != 0 {
            severity = .abortable
        } else if rd_kafka_error_is_retriable(error) != 0 {
            severity = .retriable
        } else {
            severity = .permanent
        }
        return KafkaError(
            code: Code(rawValue: rd_kafka_error_code(error).rawValue),
            name: String(cString: rd_kafka_error_name(error)),
            message: "\(context): \(String(cString: rd_kafka_error_string(error)))",
            severity: severity,
            file: file,
            line: line
        )
    }

    /// Codes that are transient by nature (broker moves, timeouts, transport).
    private static func isRetriableCode(_ err: rd_kafka_resp_err_t) -> Bool {
        switch err {
        case RD_KAFKA_RESP_ERR__TIMED_OUT, RD_KAFKA_RESP_ERR__TRANSPORT,
             RD_KAFKA_RESP_ERR__ALL_BROKERS_DOWN, RD_KAFKA_RESP_ERR__QUEUE_FULL,
             RD_KAFKA_RESP_ERR__TIMED_OUT_QUEUE, RD_KAFKA_RESP_ERR__MSG_TIMED_OUT,
             RD_KAFKA_RESP_ERR_REQUEST_TIMED_OUT, RD_KAFKA_RESP_ERR_NOT_LEADER_FOR_PARTITION,
             RD_KAFKA_RESP_ERR_LEADER_NOT_AVAILABLE, RD_KAFKA_RESP_ERR_NOT_COORDINATOR,
             RD_KAFKA_RESP_ERR_COORDINATOR_NOT_AVAILABLE, RD_KAFKA_RESP_ERR_COORDINATOR_LOAD_IN_PROGRESS,
             RD_KAFKA_RESP_ERR_NOT_ENOUGH_REPLICAS, RD_KAFKA_RESP_ERR_NETWORK_EXCEPTION,
             RD_KAFKA_RESP_ERR_REBALANCE_IN_PROGRESS:
            return true
        default:
            return false
        }
    }
}
