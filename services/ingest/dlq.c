/* dlq.c - the dead-letter topic. A rejected record is produced to
 * cs.dlq byte for byte (same key, same value) with headers saying why and
 * where it came from, so it can be inspected, fixed and replayed. Offsets
 * are stored only after every dead letter of the batch is acknowledged. */
#include "ingest_int.h"

#include <inttypes.h>
#include <stdio.h>
#include <string.h>
#include <time.h>

#include "cs_log.h"
#include "cs_metrics.h"

const char *ingest_reason_code(ingest_reason r)
{
    static const char *const codes[REASON_COUNT] = {
        "too_large",    "malformed_json", "invalid_envelope",
        "invalid_data", "db_rejected",    "unknown_type",
    };
    return (unsigned)r < REASON_COUNT ? codes[r] : "unknown";
}

void ingest_dlq_report(rd_kafka_t *rk, const rd_kafka_message_t *msg,
                       void *opaque)
{
    ingest *ig = opaque;

    (void)rk;
    if (msg->err != RD_KAFKA_RESP_ERR_NO_ERROR) {
        cs_metric_add(&ig->stats.dlq_failed, 1);
        cs_log_error("could not deliver a dead letter",
                     CS_KV_STR("error", rd_kafka_err2str(msg->err)));
    } else {
        cs_metric_add(&ig->stats.dlq_sent, 1);
    }
}

void ingest_dlq_send(ingest *ig, const char *topic, int32_t partition,
                     int64_t offset, const void *key, size_t key_len,
                     const void *payload, size_t payload_len,
                     ingest_reason reason, const char *detail)
{
    char part_s[16], off_s[24], now_s[24];
    const char *code = ingest_reason_code(reason);
    rd_kafka_resp_err_t kerr;

    snprintf(part_s, sizeof(part_s), "%" PRId32, partition);
    snprintf(off_s, sizeof(off_s), "%" PRId64, offset);
    snprintf(now_s, sizeof(now_s), "%lld", (long long)time(NULL));
    cs_metric_add(&ig->stats.rejected[reason], 1);
    cs_log_warn("rejected record", CS_KV_STR("reason_code", code),
                CS_KV_STR("reason", detail), CS_KV_STR("topic", topic),
                CS_KV_INT("partition", partition), CS_KV_INT("offset", offset));
    kerr = rd_kafka_producev(
        ig->dlq, RD_KAFKA_V_TOPIC(ig->cfg->dlq_topic),
        RD_KAFKA_V_MSGFLAGS(RD_KAFKA_MSG_F_COPY),
        RD_KAFKA_V_KEY(key_len ? (void *)key : NULL, key_len),
        RD_KAFKA_V_VALUE(payload_len ? (void *)payload : NULL, payload_len),
        RD_KAFKA_V_HEADER("cs.reason_code", code, -1),
        RD_KAFKA_V_HEADER("cs.reason", detail, -1),
        RD_KAFKA_V_HEADER("cs.source_topic", topic, -1),
        RD_KAFKA_V_HEADER("cs.source_partition", part_s, -1),
        RD_KAFKA_V_HEADER("cs.source_offset", off_s, -1),
        RD_KAFKA_V_HEADER("cs.rejected_at", now_s, -1), RD_KAFKA_V_END);
    if (kerr != RD_KAFKA_RESP_ERR_NO_ERROR) {
        /* Counted as failed: the batch's offsets will not be stored. */
        cs_metric_add(&ig->stats.dlq_failed, 1);
        cs_log_error("could not queue a dead letter",
                     CS_KV_STR("error", rd_kafka_err2str(kerr)));
    }
}
