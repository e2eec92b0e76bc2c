#ifndef SALIENCE_CRDKAFKA_SHIM_H
#define SALIENCE_CRDKAFKA_SHIM_H

#include <librdkafka/rdkafka.h>
#include <librdkafka/rdkafka_mock.h>

/// Non-variadic front for rd_kafka_producev (Swift cannot call C variadics).
/// Pass RD_KAFKA_MSG_F_COPY in msgflags so the payload is copied. On success the headers are
/// owned by librdkafka; on failure they stay with the caller.
static inline rd_kafka_resp_err_t
salience_produce(rd_kafka_t *rk, const char *topic, int32_t partition,
                 const void *key, size_t key_len,
                 const void *value, size_t value_len,
                 rd_kafka_headers_t *headers, int64_t timestamp_ms,
                 int msgflags, void *opaque) {
    if (headers == NULL) {
        return rd_kafka_producev(rk, RD_KAFKA_V_TOPIC(topic),
                                 RD_KAFKA_V_PARTITION(partition),
                                 RD_KAFKA_V_MSGFLAGS(msgflags),
                                 RD_KAFKA_V_KEY(key, key_len),
                                 RD_KAFKA_V_VALUE((void *)value, value_len),
                                 RD_KAFKA_V_TIMESTAMP(timestamp_ms),
                                 RD_KAFKA_V_OPAQUE(opaque), RD_KAFKA_V_END);
    }
    return rd_kafka_producev(rk, RD_KAFKA_V_TOPIC(topic),
                             RD_KAFKA_V_PARTITION(partition),
                             RD_KAFKA_V_MSGFLAGS(msgflags),
                             RD_KAFKA_V_KEY(key, key_len),
                             RD_KAFKA_V_VALUE((void *)value, value_len),
                             RD_KAFKA_V_HEADERS(headers),
                             RD_KAFKA_V_TIMESTAMP(timestamp_ms),
                             RD_KAFKA_V_OPAQUE(opaque), RD_KAFKA_V_END);
}

#endif
